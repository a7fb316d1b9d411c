<?xml version="1.0" encoding="utf-8"?>
<!-- //siap — image tables for SIAP version 1 (Meles system RD).

  A table mixing in //siap#pgs describes one image per row: its footprint on
  the sky (coverage, a pg_sphere polygon with a GiST index), centre, pixel grid
  and plain WCS values, its date and band, and as a product table its access
  key (//products#table).  The rowmaker fills it with two procedures Meles runs
  natively (rd/ingest/native_procs): computePGS works out the geometry from
  the FITS header fitsProdGrammar reads (WCSLIB, core/wcs), setMeta stores
  the rest.  The condition descriptors declare the parameters of SIAP 1.0 and
  of the matching form.  See docs/siap.md. -->
<resource schema="dc" resdir=".">
	<meta name="title">Simple Image Access support</meta>
	<meta name="description">Table mixins, procedures and condition descriptors for image
		collections served by the Simple Image Access Protocol.</meta>

	<STREAM id="SIAPbase">
		<doc>The image metadata columns shared by SIAP version 1 tables.</doc>
		<column name="centerAlpha" type="double precision" unit="deg" ucd="pos.eq.ra" verbLevel="0"
			tablehead="Centre RA" displayHint="sf=2" description="Right ascension of the centre of the image (ICRS)"/>
		<column name="centerDelta" type="double precision" unit="deg" ucd="pos.eq.dec" verbLevel="0"
			tablehead="Centre Dec" displayHint="sf=2" description="Declination of the centre of the image (ICRS)"/>
		<column name="imageTitle" type="text" ucd="meta.title" verbLevel="0" tablehead="Title"
			description="Short title of the image (instrument, object, band)"/>
		<column name="instId" type="text" ucd="meta.id;instr" verbLevel="15" tablehead="Instrument"
			description="Instrument the image was taken with"/>
		<column name="dateObs" type="double precision" unit="d" ucd="time;obs.exposure" verbLevel="0"
			tablehead="Date obs." displayHint="type=humanDate"
			description="Mid-exposure epoch of the image (MJD)"/>
		<column name="nAxes" type="integer" ucd="pos.wcs.naxes" verbLevel="20" tablehead="Axes"
			description="Number of axes of the image data">
			<values nullLiteral="-1"/>
		</column>
		<column name="pixelSize" type="integer[]" unit="pix" ucd="pos.wcs.naxis" verbLevel="15"
			tablehead="Axis lengths" description="Pixels along each axis of the image"/>
		<column name="pixelScale" type="real[]" unit="deg/pix" ucd="pos.wcs.scale" verbLevel="12"
			tablehead="Scales" description="Angular size of a pixel along each of the two celestial axes"/>
		<column name="refFrame" type="text" ucd="pos.frame" verbLevel="20" tablehead="Frame"
			description="Reference frame of the coordinates"/>
		<column name="wcs_equinox" unit="yr" ucd="time.equinox" verbLevel="20" tablehead="Equinox"
			description="Equinox of the WCS (EQUINOX), if given"/>
		<column name="wcs_projection" type="text" ucd="pos.wcs.ctype" verbLevel="20" tablehead="Projection"
			description="FITS WCS projection code (TAN, SIN, ...)"/>
		<column name="wcs_refPixel" type="real[]" unit="pix" ucd="pos.wcs.crpix" verbLevel="20"
			tablehead="Ref. pixel" description="Reference pixel of the WCS (CRPIX)"/>
		<column name="wcs_refValues" type="double precision[]" unit="deg" ucd="pos.wcs.crval" verbLevel="20"
			tablehead="Ref. values" description="World coordinates of the reference pixel (CRVAL)"/>
		<column name="wcs_cdmatrix" type="real[]" unit="deg/pix" ucd="pos.wcs.cdmatrix" verbLevel="20"
			tablehead="CD matrix" description="Linear transformation of the WCS (CD1_1, CD1_2, CD2_1, CD2_2)"/>
		<column name="bandpassId" type="text" ucd="instr.bandpass" verbLevel="10" tablehead="Band"
			description="Name of the band or filter"/>
		<column name="bandpassUnit" type="text" verbLevel="20" tablehead="Band unit"
			description="Unit of the bandpass values (m)"/>
		<column name="bandpassRefval" unit="m" ucd="instr.bandpass;stat.median" verbLevel="20"
			tablehead="Band centre" description="Characteristic wavelength of the band"/>
		<column name="bandpassHi" unit="m" ucd="instr.bandpass;stat.max" verbLevel="20"
			tablehead="Band max." description="Longest wavelength of the band"/>
		<column name="bandpassLo" unit="m" ucd="instr.bandpass;stat.min" verbLevel="20"
			tablehead="Band min." description="Shortest wavelength of the band"/>
		<column name="pixflags" type="text" ucd="meta.code" verbLevel="20" tablehead="Pixel flags"
			description="SIAP processing flags: C original or cutout, F resampled, X not interpolated, Z flux-calibrated, V display only"/>
	</STREAM>

	<mixinDef id="pgs">
		<doc>Makes a table an image table for SIAP version 1: the //siap#SIAPbase
		columns, the footprint coverage (spoly, GiST index) and an index on the
		centre, and the product columns of //products#table.  Fill it with the
		//products#define row filter in the grammar (fitsProdGrammar) and the
		//siap#computePGS and //siap#setMeta applies in the rowmaker.</doc>
		<FEED source="//products#hackProductsData"/>
		<events>
			<FEED source="//siap#SIAPbase"/>
			<column name="coverage" type="spoly" unit="deg" ucd="pos.outline;obs.field"
				verbLevel="1" description="Footprint of the image on the sky"/>
			<index columns="coverage" name="pgspos" method="GIST"/>
			<index name="centre_\tablename" method="GIST" columns="centerAlpha,centerDelta"
				>spoint(RADIANS(centerAlpha), RADIANS(centerDelta))</index>
		</events>
	</mixinDef>

	<procDef type="apply" id="computePGS">
		<doc>Fills the geometry columns of a //siap#pgs row (coverage, centerAlpha,
		centerDelta, nAxes, pixelSize, pixelScale, wcs_*) from the image's FITS
		header, as fitsProdGrammar provides it.  The footprint joins the centres of
		the four corner pixels.  Run natively with WCSLIB; an image without a
		usable WCS stops the import, or with missingIsError False gets NULLs and a
		warning naming its file.</doc>
		<setup>
			<par key="missingIsError" description="Whether an image without usable WCS stops the import"
				>True</par>
			<par key="naxis" description="The pixel axes holding the celestial coordinates (Meles finds them from CTYPEn; accepted for compatibility)"
				>"1,2"</par>
		</setup>
	</procDef>

	<procDef type="apply" id="setMeta">
		<doc>Fills the descriptive columns of a //siap#pgs row: imageTitle, instId,
		dateObs (converted to MJD: a datetime, a Julian date or an MJD), the
		bandpass columns (in metres), refFrame and pixflags.  Run natively.</doc>
		<setup>
			<par key="title" late="True" description="Short title of the image">None</par>
			<par key="instrument" late="True" description="Instrument the image was taken with">None</par>
			<par key="dateObs" late="True" description="Mid-exposure epoch (datetime, JD or MJD)">None</par>
			<par key="bandpassId" late="True" description="Name of the band or filter">None</par>
			<par key="bandpassUnit" late="True" description="Unit of the bandpass values; keep it m">"m"</par>
			<par key="bandpassRefval" late="True" description="Characteristic wavelength (m)">None</par>
			<par key="bandpassHi" late="True" description="Longest wavelength (m)">None</par>
			<par key="bandpassLo" late="True" description="Shortest wavelength (m)">None</par>
			<par key="refFrame" late="True" description="Reference frame of the coordinates">'ICRS'</par>
			<par key="pixflags" late="True" description="SIAP processing flags">None</par>
		</setup>
	</procDef>

	<condDesc id="protoInput" required="True">
		<inputKey name="POS" type="text" unit="deg" std="True" tablehead="Position"
			description="Centre of the search region: RA,Dec in decimal degrees (ICRS)">
			<property key="onlyForRenderer">siap.xml</property>
		</inputKey>
		<inputKey name="SIZE" type="text" unit="deg" std="True" tablehead="Size"
			description="Size of the search region in degrees: one value, or width,height">
			<property key="onlyForRenderer">siap.xml</property>
		</inputKey>
		<inputKey name="INTERSECT" type="text" std="True" tablehead="Intersection"
			description="How images relate to the region: COVERS, ENCLOSED, CENTER or OVERLAPS"
			>OVERLAPS<property key="onlyForRenderer">siap.xml</property>
		</inputKey>
		<inputKey name="FORMAT" type="text" std="True" tablehead="Format"
			description="Media types wanted, ALL, GRAPHIC, or METADATA for the service's description"
			>ALL<property key="onlyForRenderer">siap.xml</property>
		</inputKey>
	</condDesc>

	<condDesc id="humanInput">
		<inputKey name="hPOS" type="text" tablehead="Position/Name"
			description="Position (sexagesimal or decimal degrees) or an object name">
			<property key="notForRenderer">siap.xml</property>
		</inputKey>
		<inputKey name="hSIZE" type="real" unit="deg" tablehead="Field size"
			description="Size of the search region in degrees">0.5<property key="notForRenderer">siap.xml</property>
		</inputKey>
		<inputKey name="hINTERSECT" type="text" tablehead="Intersection"
			description="How images relate to the region: COVERS, ENCLOSED, CENTER or OVERLAPS"
			>OVERLAPS<property key="notForRenderer">siap.xml</property>
		</inputKey>
	</condDesc>
</resource>
