<?xml version="1.0" encoding="utf-8"?>
<!-- //procs — generic pieces for RDs (Meles system RD).

  For now the licence STREAMs, which set the rights meta of a resource:
  FEED them at the RD level with what="name of the resource":

    <FEED source="//procs#license-cc-by" what="The XY catalogue"/>

  DaCHS's //procs also has Python procedures (dictMap, mapValue, resolveObject,
  ...); Meles does not have them yet, so references to them are reported. -->
<resource schema="dc" resdir=".">
	<meta name="title">Generic procedures</meta>

	<STREAM id="license-cc0">
		<doc>Rights meta for data dedicated to the public domain (CC0 1.0).</doc>
		<DEFAULTS what="This resource"/>
		<meta name="rights" format="rst">\what is published under CC0: to the extent possible under law,
			the authors have waived all copyright and related rights to it.</meta>
		<meta name="rights.rightsURI">https://creativecommons.org/publicdomain/zero/1.0/</meta>
	</STREAM>

	<STREAM id="license-cc-by">
		<doc>Rights meta for data under Creative Commons Attribution 4.0.</doc>
		<DEFAULTS what="This resource"/>
		<meta name="rights" format="rst">\RSTccby{\what}</meta>
		<meta name="rights.rightsURI">https://creativecommons.org/licenses/by/4.0/</meta>
	</STREAM>

	<STREAM id="license-cc-by-sa">
		<doc>Rights meta for data under Creative Commons Attribution-ShareAlike 4.0.</doc>
		<DEFAULTS what="This resource"/>
		<meta name="rights" format="rst">\RSTccbysa{\what}</meta>
		<meta name="rights.rightsURI">https://creativecommons.org/licenses/by-sa/4.0/</meta>
	</STREAM>
</resource>
