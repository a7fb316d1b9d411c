<?xml version="1.0" encoding="utf-8"?>
<!-- //scs — positional indexes and cone search conditions (Meles system RD).

  Mixins put an index on a table's main position, found through the UCDs
  pos.eq.ra;meta.main and pos.eq.dec;meta.main (UCD1 names POS_EQ_RA_MAIN and
  POS_EQ_DEC_MAIN are accepted too).  The condition descriptors declare the
  parameters of Simple Cone Search and of the matching HTML form; the SQL they
  stand for is produced natively by the SCS code, which recognises them by
  their origin (//scs#protoInput, //scs#humanInput, and the matchColumn
  property of makeSpointCD conditions). -->
<resource schema="dc" resdir=".">
	<meta name="title">Cone search support</meta>
	<meta name="description">Index mixins and condition descriptors for cone searches
		over tables with a main equatorial position.</meta>


	<mixinDef id="q3cindex">
		<doc>Adds a clustered q3c index on the main position (the columns with the
		UCDs pos.eq.ra;meta.main and pos.eq.dec;meta.main; exactly one of each).
		Needs the q3c extension.</doc>
		<lateEvents>
			<index name="q3c_\tablename" cluster="True"
				columns="\nameForUCDs{pos.eq.ra;meta.main|POS_EQ_RA_MAIN}, \nameForUCDs{pos.eq.dec;meta.main|POS_EQ_DEC_MAIN}"
				>q3c_ang2ipix(\nameForUCDs{pos.eq.ra;meta.main|POS_EQ_RA_MAIN}, \nameForUCDs{pos.eq.dec;meta.main|POS_EQ_DEC_MAIN})</index>
		</lateEvents>
	</mixinDef>

	<mixinDef id="pgs-pos-index">
		<doc>Adds a clustered pg_sphere GiST index on the spoint made from the main
		position (the columns with the UCDs pos.eq.ra;meta.main and
		pos.eq.dec;meta.main, in degrees).  The recommended positional index.</doc>
		<lateEvents>
			<index name="pgspos_\tablename" method="GIST" cluster="True"
				columns="\nameForUCDs{pos.eq.ra;meta.main|POS_EQ_RA_MAIN}, \nameForUCDs{pos.eq.dec;meta.main|POS_EQ_DEC_MAIN}"
				>spoint(RADIANS(\nameForUCDs{pos.eq.ra;meta.main|POS_EQ_RA_MAIN}), RADIANS(\nameForUCDs{pos.eq.dec;meta.main|POS_EQ_DEC_MAIN}))</index>
		</lateEvents>
	</mixinDef>

	<STREAM id="splitPosIndex">
		<doc>A clustered q3c index over arbitrary SQL expressions for longitude and
		latitude in degrees; FEED it into a table with the attributes long and lat,
		e.g. long="degrees(long(ssa_location))" lat="degrees(lat(ssa_location))".</doc>
		<index name="q3c_\\tablename" cluster="True">q3c_ang2ipix(\long, \lat)</index>
	</STREAM>

	<condDesc id="protoInput" required="True">
		<inputKey name="RA" type="double precision" unit="deg" ucd="pos.eq.ra" std="True"
			tablehead="RA" description="Right ascension of the cone centre, ICRS, decimal degrees">
			<property key="onlyForRenderer">scs.xml</property>
		</inputKey>
		<inputKey name="DEC" type="double precision" unit="deg" ucd="pos.eq.dec" std="True"
			tablehead="Dec" description="Declination of the cone centre, ICRS, decimal degrees">
			<property key="onlyForRenderer">scs.xml</property>
		</inputKey>
		<inputKey name="SR" type="real" unit="deg" std="True"
			tablehead="Radius" description="Radius of the cone, decimal degrees">
			<property key="onlyForRenderer">scs.xml</property>
		</inputKey>
	</condDesc>

	<condDesc id="humanInput">
		<inputKey name="hscs_pos" type="text" tablehead="Position/Name"
			description="Cone centre: sexagesimal (h m s, d m s) or decimal degrees, or an object name resolvable by Sesame">
			<property key="notForRenderer">scs.xml</property>
		</inputKey>
		<inputKey name="hscs_sr" type="real" unit="arcmin" tablehead="Search radius"
			description="Cone radius in arcminutes">
			<property key="notForRenderer">scs.xml</property>
		</inputKey>
	</condDesc>

	<STREAM id="coreDescs">
		<doc>The conditions of a cone search service: the form fields, the SCS
		protocol parameters and MAXREC.  FEED it into a dbCore or scsCore over a
		table with a main position.</doc>
		<condDesc original="//scs#humanInput"/>
		<condDesc original="//scs#protoInput"/>
		<condDesc silent="True">
			<inputKey name="MAXREC" type="integer" tablehead="Match limit"
				description="Return at most this many records"
				>\\getConfig{ivoa}{dalDefaultLimit}<property key="onlyForRenderer">scs.xml</property></inputKey>
		</condDesc>
	</STREAM>

	<STREAM id="makeSpointCD">
		<doc>A form cone condition over an spoint column; FEED it with matchColumn
		(the column) and optionally tablehead (the label).</doc>
		<DEFAULTS tablehead="Position"/>
		<condDesc>
			<inputKey name="pos_\matchColumn" type="text" tablehead="\tablehead"
				description="Position (sexagesimal or decimal degrees) or object name"/>
			<inputKey name="sr_\matchColumn" type="real" unit="arcmin"
				tablehead="Search radius for \tablehead" description="Search radius in arcminutes"/>
			<property key="matchColumn">\matchColumn</property>
		</condDesc>
	</STREAM>
</resource>
