<?xml version="1.0" encoding="utf-8"?>
<!-- //siap2 — image tables and parameters for SIAP version 2 (Meles system RD).

  //siap2#pgs makes an image table with ObsCore-named columns (s_region, s_ra,
  t_min, em_min, ...) that SIAP 2 and ObsCore query, plus the product columns.
  computePGS (WCSLIB, from the FITS header) and setMeta fill it; Meles runs
  both natively (rd/ingest/native_procs).  The condition descriptors declare
  the SIAP 2.0 query parameters over such columns.  See docs/siap.md. -->
<resource schema="dc" resdir=".">
	<meta name="title">Simple Image Access version 2 support</meta>
	<meta name="description">Table mixins, procedures and query parameters for image
		collections served by SIAP version 2.</meta>

	<mixinDef id="pgs">
		<doc>Makes a table an image table with ObsCore-named columns: the SIAP 2
		and ObsCore metadata of each image, its footprint s_region (spoly, GiST
		index) and the product columns of //products#table.  Fill it with the
		//products#define row filter, //siap2#computePGS and //siap2#setMeta.
		It always has a bandpassId column (have_bandpass_id is accepted for DaCHS's sake).</doc>
		<mixinPar key="have_bandpass_id" description="True to add a bandpassId column">False</mixinPar>
		<FEED source="//products#hackProductsData"/>
		<events>
			<column name="dataproduct_type" type="text" ucd="meta.code.class" utype="obscore:obsdataset.dataproducttype"
				verbLevel="5" description="Kind of data product: image or cube"/>
			<column name="dataproduct_subtype" type="text" ucd="meta.code.class" verbLevel="15"
				description="Data centre's own kind of the product"/>
			<column name="calib_level" type="smallint" ucd="meta.code;obs.calib" verbLevel="10"
				description="Calibration level: 0 raw, 1 instrumental, 2 calibrated, 3 science-ready, 4 analysis product">
				<values nullLiteral="-1"/>
			</column>
			<column name="obs_collection" type="text" ucd="meta.id" verbLevel="10"
				description="Name of the data collection"/>
			<column name="obs_id" type="text" ucd="meta.id" verbLevel="15"
				description="Identifier of the observation within its collection"/>
			<column name="obs_title" type="text" ucd="meta.title;obs" verbLevel="1"
				description="Short title of the image"/>
			<column name="obs_publisher_did" type="text" ucd="meta.ref.ivoid" verbLevel="5"
				description="IVOA identifier of the dataset"/>
			<column name="obs_creator_did" type="text" ucd="meta.id" verbLevel="25"
				description="Identifier the creator gave the dataset"/>
			<column name="target_name" type="text" ucd="meta.id;src" verbLevel="5"
				description="Name of the object observed"/>
			<column name="target_class" type="text" ucd="src.class" verbLevel="20"
				description="Class of the object observed"/>
			<column name="s_ra" type="double precision" unit="deg" ucd="pos.eq.ra" verbLevel="1"
				description="Right ascension of the centre of the image (ICRS)"/>
			<column name="s_dec" type="double precision" unit="deg" ucd="pos.eq.dec" verbLevel="1"
				description="Declination of the centre of the image (ICRS)"/>
			<column name="s_fov" type="double precision" unit="deg" ucd="phys.angSize;instr.fov" verbLevel="5"
				description="Diameter of the field of view (diagonal between corner pixels)"/>
			<column name="s_region" type="spoly" unit="deg" ucd="pos.outline;obs.field" verbLevel="5"
				description="Footprint of the image on the sky"/>
			<column name="s_resolution" type="double precision" unit="arcsec" ucd="pos.angResolution" verbLevel="15"
				description="Spatial resolution"/>
			<column name="s_xel1" type="bigint" unit="pix" ucd="meta.number" verbLevel="15"
				description="Pixels along the first axis">
				<values nullLiteral="-1"/>
			</column>
			<column name="s_xel2" type="bigint" unit="pix" ucd="meta.number" verbLevel="15"
				description="Pixels along the second axis">
				<values nullLiteral="-1"/>
			</column>
			<column name="s_pixel_scale" type="double precision" unit="deg/pix" ucd="phys.angSize;instr.pixel"
				verbLevel="15" description="Mean angular size of a pixel"/>
			<column name="t_min" type="double precision" unit="d" ucd="time.start;obs.exposure"
				verbLevel="5" description="Start of the exposure (MJD)"/>
			<column name="t_max" type="double precision" unit="d" ucd="time.end;obs.exposure"
				verbLevel="5" description="End of the exposure (MJD)"/>
			<column name="t_exptime" type="real" unit="s" ucd="time.duration;obs.exposure" verbLevel="10"
				description="Exposure time"/>
			<column name="t_resolution" type="real" unit="s" ucd="time.resolution" verbLevel="20"
				description="Time resolution"/>
			<column name="t_xel" type="bigint" ucd="meta.number" verbLevel="20"
				description="Samples along the time axis">
				<values nullLiteral="-1"/>
			</column>
			<column name="em_min" type="double precision" unit="m" ucd="em.wl;stat.min" verbLevel="10"
				description="Shortest wavelength observed"/>
			<column name="em_max" type="double precision" unit="m" ucd="em.wl;stat.max" verbLevel="10"
				description="Longest wavelength observed"/>
			<column name="em_res_power" type="double precision" ucd="spect.resolution" verbLevel="20"
				description="Spectral resolving power"/>
			<column name="em_xel" type="bigint" ucd="meta.number" verbLevel="20"
				description="Samples along the spectral axis">
				<values nullLiteral="-1"/>
			</column>
			<column name="em_ucd" type="text" ucd="meta.ucd" verbLevel="25"
				description="UCD of the spectral axis"/>
			<column name="o_ucd" type="text" ucd="meta.ucd" verbLevel="15"
				description="UCD of what the pixels hold"/>
			<column name="pol_states" type="text" ucd="meta.code;phys.polarization" verbLevel="20"
				description="Polarisation states, as /I/Q/ for example"/>
			<column name="pol_xel" type="bigint" ucd="meta.number" verbLevel="20"
				description="Samples along the polarisation axis">
				<values nullLiteral="-1"/>
			</column>
			<column name="facility_name" type="text" ucd="meta.id;instr.tel" verbLevel="10"
				description="Telescope or observatory"/>
			<column name="instrument_name" type="text" ucd="meta.id;instr" verbLevel="10"
				description="Instrument the image was taken with"/>
			<column name="bandpassId" type="text" ucd="instr.bandpass" verbLevel="10"
				description="Name of the band or filter"/>
			<index columns="s_region" name="pgs_region_\tablename" method="GIST"/>
			<index name="centre_\tablename" method="GIST" columns="s_ra,s_dec"
				>spoint(RADIANS(s_ra), RADIANS(s_dec))</index>
		</events>
	</mixinDef>

	<procDef type="apply" id="computePGS">
		<doc>Fills s_region, s_ra, s_dec, s_fov, s_xel1, s_xel2 and s_pixel_scale of
		a //siap2#pgs row from the image's FITS header (fitsProdGrammar), natively
		with WCSLIB.  An image without a usable WCS stops the import, or with
		missingIsError False gets NULLs and a warning naming its file.</doc>
		<setup>
			<par key="missingIsError" description="Whether an image without usable WCS stops the import"
				>True</par>
		</setup>
	</procDef>

	<procDef type="apply" id="setMeta">
		<doc>Fills the ObsCore metadata of a //siap2#pgs row; each parameter is
		the column of the same name, except dateObs (the start of the exposure:
		a datetime, JD or MJD), which with t_exptime gives t_min and t_max in
		MJD.  Run natively.</doc>
		<setup>
			<par key="dateObs" late="True" description="Start of the exposure (datetime, JD or MJD)">None</par>
			<par key="dataproduct_type" late="True" description="image or cube">"image"</par>
			<par key="dataproduct_subtype" late="True" description="Data centre's own kind of the product">None</par>
			<par key="calib_level" late="True" description="Calibration level (0..4)">None</par>
			<par key="obs_collection" late="True" description="Name of the data collection">None</par>
			<par key="obs_id" late="True" description="Identifier of the observation">None</par>
			<par key="obs_title" late="True" description="Short title of the image">None</par>
			<par key="obs_publisher_did" late="True" description="IVOA identifier of the dataset">None</par>
			<par key="obs_creator_did" late="True" description="Creator's identifier of the dataset">None</par>
			<par key="target_name" late="True" description="Name of the object observed">None</par>
			<par key="target_class" late="True" description="Class of the object observed">None</par>
			<par key="t_exptime" late="True" description="Exposure time (s)">None</par>
			<par key="t_resolution" late="True" description="Time resolution (s)">None</par>
			<par key="t_xel" late="True" description="Samples along the time axis">None</par>
			<par key="em_min" late="True" description="Shortest wavelength (m)">None</par>
			<par key="em_max" late="True" description="Longest wavelength (m)">None</par>
			<par key="em_res_power" late="True" description="Spectral resolving power">None</par>
			<par key="em_xel" late="True" description="Samples along the spectral axis">None</par>
			<par key="em_ucd" late="True" description="UCD of the spectral axis">None</par>
			<par key="o_ucd" late="True" description="UCD of the pixel values">None</par>
			<par key="pol_states" late="True" description="Polarisation states">None</par>
			<par key="pol_xel" late="True" description="Samples along the polarisation axis">None</par>
			<par key="facility_name" late="True" description="Telescope or observatory">None</par>
			<par key="instrument_name" late="True" description="Instrument">None</par>
		</setup>
	</procDef>

	<condDesc id="humanInput">
		<inputKey name="hPOS" type="text" tablehead="Position/Name"
			description="Position (sexagesimal or decimal degrees) or an object name">
			<property key="notForRenderer">siap2.xml</property>
		</inputKey>
		<inputKey name="hSIZE" type="real" unit="deg" tablehead="Field size"
			description="Radius of the search region in degrees">0.5<property key="notForRenderer">siap2.xml</property>
		</inputKey>
	</condDesc>

	<STREAM id="parameters">
		<doc>The SIAP 2.0 query parameters over a table with ObsCore-named columns;
		FEED it into the dbCore of a siap2.xml service.  Each may be repeated
		(repetitions are OR-ed, different parameters AND-ed).</doc>
		<condDesc>
			<inputKey name="POS" type="text" multiplicity="multiple" std="True" tablehead="Position"
				description="CIRCLE ra dec r, RANGE ra1 ra2 dec1 dec2 or POLYGON ra1 dec1 ... in decimal degrees (ICRS)"/>
		</condDesc>
		<condDesc>
			<inputKey name="BAND" type="double precision[2]" xtype="interval" unit="m" multiplicity="multiple"
				std="True" tablehead="Wavelength" description="Wavelength interval (m) that the image's band must overlap"/>
		</condDesc>
		<condDesc>
			<inputKey name="TIME" type="double precision[2]" xtype="interval" unit="d" multiplicity="multiple"
				std="True" tablehead="Time" description="Interval of MJD that the exposure must overlap"/>
		</condDesc>
		<condDesc>
			<inputKey name="POL" type="text" multiplicity="multiple" std="True" tablehead="Polarisation"
				description="Polarisation state (I Q U V RR LL RL LR XX YY XY YX POLI POLA)"/>
		</condDesc>
		<condDesc>
			<inputKey name="FOV" type="real[2]" xtype="interval" unit="deg" multiplicity="multiple" std="True"
				tablehead="Field of view" description="Interval the field of view must lie in"/>
		</condDesc>
		<condDesc>
			<inputKey name="SPATRES" type="real[2]" xtype="interval" unit="deg" multiplicity="multiple" std="True"
				tablehead="Spatial res." description="Interval the spatial resolution must lie in"/>
		</condDesc>
		<condDesc>
			<inputKey name="EXPTIME" type="real[2]" xtype="interval" unit="s" multiplicity="multiple" std="True"
				tablehead="Exposure time" description="Interval the exposure time must lie in"/>
		</condDesc>
		<condDesc>
			<inputKey name="ID" type="text" multiplicity="multiple" std="True" tablehead="DID"
				description="Publisher's dataset identifier"/>
		</condDesc>
		<condDesc>
			<inputKey name="COLLECTION" type="text" multiplicity="multiple" std="True" tablehead="Collection"
				description="Name of a data collection"/>
		</condDesc>
		<condDesc>
			<inputKey name="FACILITY" type="text" multiplicity="multiple" std="True" tablehead="Facility"
				description="Name of a telescope or observatory"/>
		</condDesc>
		<condDesc>
			<inputKey name="INSTRUMENT" type="text" multiplicity="multiple" std="True" tablehead="Instrument"
				description="Name of an instrument"/>
		</condDesc>
		<condDesc>
			<inputKey name="DPTYPE" type="text" multiplicity="multiple" std="True" tablehead="Type"
				description="image or cube"/>
		</condDesc>
		<condDesc>
			<inputKey name="CALIB" type="smallint" multiplicity="multiple" std="True" tablehead="Calib. level"
				description="Calibration level (0..4)"/>
		</condDesc>
		<condDesc>
			<inputKey name="TARGET" type="text" multiplicity="multiple" std="True" tablehead="Target"
				description="Name of an object observed"/>
		</condDesc>
		<condDesc>
			<inputKey name="FORMAT" type="text" multiplicity="multiple" std="True" tablehead="Format"
				description="Media type of the product"/>
		</condDesc>
	</STREAM>
</resource>
