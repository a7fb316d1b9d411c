<?xml version="1.0" encoding="utf-8"?>
<!-- //epntap2 — the EPN-TAP 2.0 data model for solar-system data (Meles system RD).

  table-2_0 makes a table an EPN-TAP 2.0 table (it should be called epn_core):
  the mandatory columns with the names, types, UCDs and units of the EPN-TAP 2.0
  Recommendation, the optional columns named in optional_columns (from the
  table optional_columns below), and the table utype
  ivo://ivoa.net/std/epntap#table-2.0 in TAP_SCHEMA.  What DaCHS does in the
  mixin's processEarly (units, UCDs and descriptions of c1..c3 and their
  resolutions from spatial_frame_type; adding the optional columns; making the
  table ADQL-queryable and on disk) Meles does natively (rd/src/parse/native_mixins.cpp).  populate-2_0 copies its
  parameters into the rowmaker's vars; localfile-2_0 and
  populate-localfile-2_0 describe granules that are local files, with the
  prodtbl* keys of the //products#define row filter. -->
<resource schema="dc" resdir=".">
	<meta name="title">EPN-TAP 2.0</meta>
	<meta name="description">Tables, mixins and procedures for publishing solar-system
		data through EPN-TAP 2.0.</meta>

	<table id="optional_columns">
		<meta name="description">The optional columns of EPN-TAP 2.0; table-2_0 adds those
			named in its optional_columns parameter.</meta>
		<column name="access_url" type="text" ucd="meta.ref.url;meta.file" description="URL of the data file (case-sensitive); with it, give access_format and access_estsize" verbLevel="20"/>
		<column name="access_format" type="text" ucd="meta.code.mime" description="Media type (MIME type) of the data file" verbLevel="20"/>
		<column name="access_estsize" type="integer" ucd="phys.size;meta.file" unit="kbyte" description="Estimated size of the data file in kilobytes" verbLevel="20"/>
		<column name="access_md5" type="text" ucd="meta.checksum;meta.file" description="MD5 checksum of the data file" verbLevel="20"/>
		<column name="thumbnail_url" type="text" ucd="meta.ref.url;meta.preview" description="URL of a small preview image (about 200 pixels)" verbLevel="20"/>
		<column name="file_name" type="text" ucd="meta.id;meta.file" description="Name of the data file (case-sensitive)" verbLevel="20"/>
		<column name="processing_level_desc" type="text" ucd="meta.note" description="What the processing level means for this data" verbLevel="20"/>
		<column name="datalink_url" type="text" ucd="meta.ref.url" description="URL of a datalink document for the granule" verbLevel="20"/>
		<column name="species" type="text" ucd="meta.id;phys.atmol" description="Chemical species concerned (case-sensitive)" verbLevel="20"/>
		<column name="messenger" type="text" ucd="instr.bandpass" description="Kind of signal measured (from the IVOA messenger vocabulary)" verbLevel="20"/>
		<column name="alt_target_name" type="text" ucd="meta.id;src" description="Other names of the target" verbLevel="20"/>
		<column name="target_region" type="text" ucd="meta.id;src;obs.field" description="Part of the target observed (e.g. atmosphere, surface)" verbLevel="20"/>
		<column name="feature_name" type="text" ucd="meta.id;src;obs.field" description="Name of a feature on the target" verbLevel="20"/>
		<column name="publisher" type="text" ucd="meta.curation" description="Who publishes the data" verbLevel="20"/>
		<column name="bib_reference" type="text" ucd="meta.bib" description="Bibcode, DOI or other reference of the data" verbLevel="20"/>
		<column name="internal_reference" type="text" ucd="meta.id.cross" description="Reference to related granules in the same service" verbLevel="20"/>
		<column name="external_link" type="text" ucd="meta.ref.url" description="Link to further information about the granule" verbLevel="20"/>
		<column name="coverage" type="smoc" ucd="pos.outline;obs.field" description="Coverage of the granule as a MOC" verbLevel="20"/>
		<column name="spatial_coordinate_description" type="text" ucd="meta.code.class;pos.frame" description="Detailed description of the spatial frame" verbLevel="20"/>
		<column name="spatial_origin" type="text" ucd="meta.ref;pos.frame" description="Origin of the spatial frame" verbLevel="20"/>
		<column name="time_refposition" type="text" ucd="meta.ref;time.scale" description="Where the times are measured (a planet, a spacecraft)" verbLevel="20"/>
		<column name="time_scale" type="text" ucd="time.scale" description="Time scale of the time columns (UTC, TT, TDB, ...)" verbLevel="20"/>
		<column name="subsolar_longitude_min" type="double precision" ucd="pos.bodyrc.lon;stat.min" unit="deg" description="Longitude of the subsolar point, lower limit" verbLevel="20"/>
		<column name="subsolar_longitude_max" type="double precision" ucd="pos.bodyrc.lon;stat.max" unit="deg" description="Longitude of the subsolar point, upper limit" verbLevel="20"/>
		<column name="subsolar_latitude_min" type="double precision" ucd="pos.bodyrc.lat;stat.min" unit="deg" description="Latitude of the subsolar point, lower limit" verbLevel="20"/>
		<column name="subsolar_latitude_max" type="double precision" ucd="pos.bodyrc.lat;stat.max" unit="deg" description="Latitude of the subsolar point, upper limit" verbLevel="20"/>
		<column name="subobserver_longitude_min" type="double precision" ucd="pos.bodyrc.lon;stat.min" unit="deg" description="Longitude of the subobserver point, lower limit" verbLevel="20"/>
		<column name="subobserver_longitude_max" type="double precision" ucd="pos.bodyrc.lon;stat.max" unit="deg" description="Longitude of the subobserver point, upper limit" verbLevel="20"/>
		<column name="subobserver_latitude_min" type="double precision" ucd="pos.bodyrc.lat;stat.min" unit="deg" description="Latitude of the subobserver point, lower limit" verbLevel="20"/>
		<column name="subobserver_latitude_max" type="double precision" ucd="pos.bodyrc.lat;stat.max" unit="deg" description="Latitude of the subobserver point, upper limit" verbLevel="20"/>
		<column name="ra" type="double precision" ucd="pos.eq.ra;meta.main" unit="deg" description="Right ascension of the target (ICRS)" verbLevel="20"/>
		<column name="dec" type="double precision" ucd="pos.eq.dec;meta.main" unit="deg" description="Declination of the target (ICRS)" verbLevel="20"/>
		<column name="radial_distance_min" type="double precision" ucd="pos.distance;pos.bodyrc;stat.min" unit="km" description="Distance from the body centre, lower limit" verbLevel="20"/>
		<column name="radial_distance_max" type="double precision" ucd="pos.distance;pos.bodyrc;stat.max" unit="km" description="Distance from the body centre, upper limit" verbLevel="20"/>
		<column name="altitude_fromshape_min" type="double precision" ucd="pos.bodyrc.alt;stat.min" unit="km" description="Altitude above the shape model, lower limit" verbLevel="20"/>
		<column name="altitude_fromshape_max" type="double precision" ucd="pos.bodyrc.alt;stat.max" unit="km" description="Altitude above the shape model, upper limit" verbLevel="20"/>
		<column name="solar_longitude_min" type="double precision" ucd="pos.ecliptic.lon;pos.heliocentric;stat.min" unit="deg" description="Solar longitude (season), lower limit" verbLevel="20"/>
		<column name="solar_longitude_max" type="double precision" ucd="pos.ecliptic.lon;pos.heliocentric;stat.max" unit="deg" description="Solar longitude (season), upper limit" verbLevel="20"/>
		<column name="local_time_min" type="double precision" ucd="time.phase;time.period.rotation;stat.min" unit="h" description="Local time on the body, lower limit" verbLevel="20"/>
		<column name="local_time_max" type="double precision" ucd="time.phase;time.period.rotation;stat.max" unit="h" description="Local time on the body, upper limit" verbLevel="20"/>
		<column name="target_distance_min" type="double precision" ucd="pos.distance;stat.min" unit="km" description="Distance between observer and target, lower limit" verbLevel="20"/>
		<column name="target_distance_max" type="double precision" ucd="pos.distance;stat.max" unit="km" description="Distance between observer and target, upper limit" verbLevel="20"/>
		<column name="target_time_min" type="timestamp" ucd="time.start;src" description="Time at the target when the observation starts" verbLevel="20"/>
		<column name="target_time_max" type="timestamp" ucd="time.end;src" description="Time at the target when the observation ends" verbLevel="20"/>
		<column name="earth_distance_min" type="double precision" ucd="pos.distance;stat.min" unit="AU" description="Distance between target and Earth, lower limit" verbLevel="20"/>
		<column name="earth_distance_max" type="double precision" ucd="pos.distance;stat.max" unit="AU" description="Distance between target and Earth, upper limit" verbLevel="20"/>
		<column name="sun_distance_min" type="double precision" ucd="pos.distance;stat.min" unit="AU" description="Distance between target and Sun, lower limit" verbLevel="20"/>
		<column name="sun_distance_max" type="double precision" ucd="pos.distance;stat.max" unit="AU" description="Distance between target and Sun, upper limit" verbLevel="20"/>
		<column name="filter" type="text" ucd="meta.id;instr.filter" description="Filter used" verbLevel="20"/>
		<column name="instrument_type" type="text" ucd="meta.id;instr" description="Kind of instrument" verbLevel="20"/>
		<column name="acquisition_id" type="text" ucd="meta.id" description="Identifier of the acquisition" verbLevel="20"/>
		<column name="proposal_id" type="text" ucd="meta.id;obs.proposal" description="Identifier of the proposal" verbLevel="20"/>
		<column name="proposal_pi" type="text" ucd="meta.id.PI;obs.proposal" description="Principal investigator of the proposal" verbLevel="20"/>
		<column name="proposal_title" type="text" ucd="meta.title;obs.proposal" description="Title of the proposal" verbLevel="20"/>
		<column name="campaign" type="text" ucd="meta.id;obs.proposal" description="Observation campaign" verbLevel="20"/>
		<column name="target_description" type="text" ucd="meta.note;src" description="Description of the target" verbLevel="20"/>
		<column name="proposal_target_name" type="text" ucd="meta.note;obs.proposal" description="Target name as given in the proposal" verbLevel="20"/>
		<column name="target_apparent_radius" type="double precision" ucd="phys.angSize;src" unit="arcsec" description="Apparent radius of the target" verbLevel="20"/>
		<column name="mean_radius" type="double precision" ucd="phys.size.radius" unit="km" description="Mean radius of the body" verbLevel="20"/>
		<column name="equatorial_radius" type="double precision" ucd="phys.size.radius" unit="km" description="Equatorial radius of the body" verbLevel="20"/>
		<column name="polar_radius" type="double precision" ucd="phys.size.radius" unit="km" description="Polar radius of the body" verbLevel="20"/>
		<column name="mass" type="double precision" ucd="phys.mass" unit="kg" description="Mass of the body" verbLevel="20"/>
		<column name="diameter" type="double precision" ucd="phys.size.diameter" unit="km" description="Diameter of the body" verbLevel="20"/>
		<column name="sidereal_rotation_period" type="double precision" ucd="time.period.rotation" unit="h" description="Sidereal rotation period of the body" verbLevel="20"/>
		<column name="dynamical_class" type="text" ucd="meta.code.class;src" description="Dynamical class of the body" verbLevel="20"/>
		<column name="dynamical_type" type="text" ucd="meta.code.class;src" description="Dynamical type of the body" verbLevel="20"/>
		<column name="taxonomy_code" type="text" ucd="src.class.color" description="Taxonomic class of the body" verbLevel="20"/>
		<column name="map_projection" type="text" ucd="pos.projection" description="Map projection" verbLevel="20"/>
		<column name="map_height" type="double precision" ucd="phys.size" unit="pix" description="Map height in pixels" verbLevel="20"/>
		<column name="map_width" type="double precision" ucd="phys.size" unit="pix" description="Map width in pixels" verbLevel="20"/>
		<column name="map_scale" type="text" ucd="pos.wcs.scale" description="Map scale" verbLevel="20"/>
		<column name="pixelscale_min" type="double precision" ucd="instr.scale;stat.min" unit="km/pix" description="Pixel scale, lower limit" verbLevel="20"/>
		<column name="pixelscale_max" type="double precision" ucd="instr.scale;stat.max" unit="km/pix" description="Pixel scale, upper limit" verbLevel="20"/>
		<column name="original_publisher" type="text" ucd="meta.note" description="Who first published the data" verbLevel="20"/>
		<column name="observer_name" type="text" ucd="obs.observer;meta.main" description="Name of the observer" verbLevel="20"/>
		<column name="observer_institute" type="text" ucd="meta.note" description="Institute of the observer" verbLevel="20"/>
		<column name="observer_id" type="integer" ucd="meta.id.PI" description="Identifier of the observer" verbLevel="20"/>
		<column name="observer_code" type="text" ucd="meta.id.PI" description="Code of the observer" verbLevel="20"/>
		<column name="observer_location" type="text" ucd="pos;obs.observer" description="Where the observer was" verbLevel="20"/>
		<column name="observer_country" type="text" ucd="meta.note;obs.observer" description="Country of the observer" verbLevel="20"/>
		<column name="observer_lon" type="double precision" ucd="obs.observer;pos.earth.lon" description="Longitude of the observer" verbLevel="20"/>
		<column name="observer_lat" type="double precision" ucd="obs.observer;pos.earth.lat" description="Latitude of the observer" verbLevel="20"/>
		<column name="producer_name" type="text" ucd="meta.note" description="Who produced the data" verbLevel="20"/>
		<column name="producer_institute" type="text" ucd="meta.note" description="Institute of the producer" verbLevel="20"/>
		<column name="magnitude" type="double precision" ucd="phys.magAbs" unit="mag" description="Absolute magnitude of the body" verbLevel="20"/>
		<column name="flux" type="double precision" ucd="phot.flux.density" unit="mJy" description="Flux density" verbLevel="20"/>
		<column name="albedo" type="double precision" ucd="phys.albedo" description="Albedo of the body" verbLevel="20"/>
		<column name="particle_spectral_type" type="text" ucd="meta.id;phys.particle" description="What the particle spectral axis measures" verbLevel="20"/>
		<column name="particle_spectral_range_min" type="double precision" ucd="phys.mass;phys.particle;stat.min" description="Particle spectral range, lower limit" verbLevel="20"/>
		<column name="particle_spectral_range_max" type="double precision" ucd="phys.mass;phys.particle;stat.max" description="Particle spectral range, upper limit" verbLevel="20"/>
		<column name="particle_spectral_sampling_step_min" type="double precision" ucd="spect.resolution;phys.particle;stat.min" description="Particle spectral sampling step, lower limit" verbLevel="20"/>
		<column name="particle_spectral_sampling_step_max" type="double precision" ucd="spect.resolution;phys.particle;stat.max" description="Particle spectral sampling step, upper limit" verbLevel="20"/>
		<column name="particle_spectral_resolution_min" type="double precision" ucd="spect.resolution;phys.particle;stat.min" description="Particle spectral resolution, lower limit" verbLevel="20"/>
		<column name="particle_spectral_resolution_max" type="double precision" ucd="spect.resolution;phys.particle;stat.max" description="Particle spectral resolution, upper limit" verbLevel="20"/>
		<column name="sample_id" type="text" ucd="meta.id;src" description="Identifier of the sample" verbLevel="20"/>
		<column name="sample_classification" type="text" ucd="meta.note;phys.composition" description="Classification of the sample" verbLevel="20"/>
		<column name="species_inchikey" type="text" ucd="meta.id;phys.atmol" description="InChIKey of the species" verbLevel="20"/>
		<column name="grain_size_min" type="double precision" ucd="phys.size;stat.min" unit="um" description="Grain size, lower limit" verbLevel="20"/>
		<column name="grain_size_max" type="double precision" ucd="phys.size;stat.max" unit="um" description="Grain size, upper limit" verbLevel="20"/>
		<column name="azimuth_min" type="double precision" ucd="pos.azimuth;stat.min" unit="deg" description="Azimuth, lower limit" verbLevel="20"/>
		<column name="azimuth_max" type="double precision" ucd="pos.azimuth;stat.max" unit="deg" description="Azimuth, upper limit" verbLevel="20"/>
		<column name="pressure" type="double precision" ucd="phys.pressure" unit="1e5Pa" description="Pressure during the measurement" verbLevel="20"/>
		<column name="temperature" type="double precision" ucd="phys.temperature" unit="K" description="Temperature during the measurement" verbLevel="20"/>
		<column name="sample_desc" type="text" ucd="meta.note" description="Description of the sample" verbLevel="20"/>
		<column name="setup_desc" type="text" ucd="meta.note" description="Description of the set-up" verbLevel="20"/>
		<column name="data_calibration_desc" type="text" ucd="meta.note" description="Description of the calibration" verbLevel="20"/>
		<column name="geometry_type" type="text" ucd="meta.note;instr.setup" description="Geometry of the measurement" verbLevel="20"/>
		<column name="spectrum_type" type="text" ucd="meta.note;instr.setup" description="Kind of spectrum" verbLevel="20"/>
		<column name="measurement_atmosphere" type="text" ucd="meta.note;phys.pressure" description="Atmosphere during the measurement" verbLevel="20"/>
		<column name="obs_mode" type="text" ucd="meta.code;instr.setup" description="Observing mode" verbLevel="20"/>
		<column name="detector_name" type="text" ucd="meta.id;instr.det" description="Name of the detector" verbLevel="20"/>
		<column name="opt_elem" type="text" ucd="meta.id;instr.param" description="Optical element used" verbLevel="20"/>
		<column name="north_pole_position" type="double precision" ucd="pos.posAng" unit="deg" description="Position angle of the body's north pole" verbLevel="20"/>
		<column name="target_primary_hemisphere" type="text" ucd="meta.id;obs.field" description="Hemisphere of the target observed (north or south)" verbLevel="20"/>
		<column name="target_secondary_hemisphere" type="text" ucd="meta.id;obs.field" description="Hemisphere of the target observed (east or west)" verbLevel="20"/>
		<column name="orientation" type="double precision" ucd="pos.posAng" unit="deg" description="Orientation of the image" verbLevel="20"/>
		<column name="platesc" type="double precision" ucd="instr.scale" unit="arcsec/pix" description="Plate scale" verbLevel="20"/>
		<column name="measurement_unit" type="text" ucd="meta.unit" description="Unit of the measured quantity" verbLevel="20"/>
		<column name="event_type" type="text" ucd="meta.code.class" description="Kind of event" verbLevel="20"/>
		<column name="event_status" type="text" ucd="meta.code.status" description="Status of the event" verbLevel="20"/>
		<column name="event_cite" type="text" ucd="meta.code.status" description="Citation of the event" verbLevel="20"/>
		<column name="semi_major_axis" type="double precision" ucd="phys.size.smajAxis" unit="AU" description="Semi-major axis of the orbit" verbLevel="20"/>
		<column name="inclination" type="double precision" ucd="src.orbital.inclination" description="Inclination of the orbit" verbLevel="20"/>
		<column name="eccentricity" type="double precision" ucd="src.orbital.eccentricity" description="Eccentricity of the orbit" verbLevel="20"/>
		<column name="long_asc" type="double precision" ucd="src.orbital.node" unit="deg" description="Longitude of the ascending node" verbLevel="20"/>
		<column name="arg_perihel" type="double precision" ucd="src.orbital.periastron" unit="deg" description="Argument of the perihelion" verbLevel="20"/>
		<column name="mean_anomaly" type="double precision" ucd="src.orbital.meanAnomaly" unit="deg" description="Mean anomaly" verbLevel="20"/>
		<column name="epoch" type="double precision" ucd="time.epoch" unit="d" description="Epoch of the orbital elements" verbLevel="20"/>
	</table>

	<mixinDef id="table-2_0">
		<doc>An EPN-TAP 2.0 table.  Parameters: spatial_frame_type (celestial, body,
		cartesian, cylindrical, spherical or none; sets the units and UCDs of c1..c3)
		and optional_columns (blank-separated names from //epntap2#optional_columns).
		Fill it with the populate-2_0 apply.</doc>
		<mixinPar key="spatial_frame_type" description="Kind of spatial frame of the whole table"/>
		<mixinPar key="optional_columns" description="Blank-separated names of optional columns">__EMPTY__</mixinPar>
		<events>
			<meta name="utype">ivo://ivoa.net/std/epntap#table-2.0</meta>
			<meta name="info" infoName="SERVICE_PROTOCOL" infoValue="2.0">EPN-TAP</meta>
			<column name="granule_uid" type="text" ucd="meta.id" description="Identifier of the granule, unique in the table" required="True" verbLevel="1"/>
			<column name="granule_gid" type="text" ucd="meta.id" description="Identifier shared by granules of the same kind (same processing, same projection, ...)" required="True" verbLevel="1"/>
			<column name="obs_id" type="text" ucd="meta.id;obs" description="Identifier shared by granules made from the same observation" required="True" verbLevel="1"/>
			<column name="dataproduct_type" type="text" ucd="meta.code.class" verbLevel="1" note="et_prod"
			description="Kind of data product (im, ma, sp, ds, sc, pr, pf, vo, mo, cu, ts, ca, ci, sv, ev; several joined by #)"/>
			<column name="target_name" type="text" ucd="meta.id;src" description="Name of the target (IAU name where there is one), case-sensitive" verbLevel="1"/>
			<column name="target_class" type="text" ucd="src.class" verbLevel="1"
			description="Kind of target: asteroid, dwarf_planet, planet, satellite, comet, exoplanet, interplanetary_medium, sample, sky, spacecraft, spacejunk, star, calibration"/>
			<column name="time_min" type="double precision" ucd="time.start;obs" unit="d" description="Start of the acquisition, Julian Date (time_scale at time_refposition)" verbLevel="1"/>
			<column name="time_max" type="double precision" ucd="time.end;obs" unit="d" description="End of the acquisition, Julian Date (time_scale at time_refposition)" verbLevel="1"/>
			<column name="time_sampling_step_min" type="double precision" ucd="time.resolution;stat.min" unit="s" description="Sampling time of the measurements, lower limit"/>
			<column name="time_sampling_step_max" type="double precision" ucd="time.resolution;stat.max" unit="s" description="Sampling time of the measurements, upper limit"/>
			<column name="time_exp_min" type="double precision" ucd="time.duration;obs.exposure;stat.min" unit="s" description="Integration time, lower limit"/>
			<column name="time_exp_max" type="double precision" ucd="time.duration;obs.exposure;stat.max" unit="s" description="Integration time, upper limit"/>
			<column name="spectral_range_min" type="double precision" ucd="em.freq;stat.min" unit="Hz" description="Spectral range (frequency), lower limit"/>
			<column name="spectral_range_max" type="double precision" ucd="em.freq;stat.max" unit="Hz" description="Spectral range (frequency), upper limit"/>
			<column name="spectral_sampling_step_min" type="double precision" ucd="em.freq;spect.binSize;stat.min" unit="Hz" description="Spectral sampling step (frequency), lower limit"/>
			<column name="spectral_sampling_step_max" type="double precision" ucd="em.freq;spect.binSize;stat.max" unit="Hz" description="Spectral sampling step (frequency), upper limit"/>
			<column name="spectral_resolution_min" type="double precision" ucd="spect.resolution;stat.min" description="Spectral resolving power, lower limit"/>
			<column name="spectral_resolution_max" type="double precision" ucd="spect.resolution;stat.max" description="Spectral resolving power, upper limit"/>
			<column name="c1min" type="double precision" ucd="__framed_ucd_1__;stat.min" unit="__framed_unit_1__" description="__framed_desc_1__, lower limit"/>
			<column name="c1max" type="double precision" ucd="__framed_ucd_1__;stat.max" unit="__framed_unit_1__" description="__framed_desc_1__, upper limit"/>
			<column name="c2min" type="double precision" ucd="__framed_ucd_2__;stat.min" unit="__framed_unit_2__" description="__framed_desc_2__, lower limit"/>
			<column name="c2max" type="double precision" ucd="__framed_ucd_2__;stat.max" unit="__framed_unit_2__" description="__framed_desc_2__, upper limit"/>
			<column name="c3min" type="double precision" ucd="__framed_ucd_3__;stat.min" unit="__framed_unit_3__" description="__framed_desc_3__, lower limit"/>
			<column name="c3max" type="double precision" ucd="__framed_ucd_3__;stat.max" unit="__framed_unit_3__" description="__framed_desc_3__, upper limit"/>
			<column name="s_region" type="spoly" xtype="adql:REGION" ucd="pos.outline;obs.field" verbLevel="1"
			description="Footprint of the granule on the sky or the body (celestial, spherical and body frames)"/>
			<column name="c1_resol_min" type="double precision" ucd="__resolution_ucd_1__;stat.min" unit="__framed_unit_1__" description="Resolution of coordinate 1, lower limit"/>
			<column name="c1_resol_max" type="double precision" ucd="__resolution_ucd_1__;stat.max" unit="__framed_unit_1__" description="Resolution of coordinate 1, upper limit"/>
			<column name="c2_resol_min" type="double precision" ucd="__resolution_ucd_2__;stat.min" unit="__framed_unit_2__" description="Resolution of coordinate 2, lower limit"/>
			<column name="c2_resol_max" type="double precision" ucd="__resolution_ucd_2__;stat.max" unit="__framed_unit_2__" description="Resolution of coordinate 2, upper limit"/>
			<column name="c3_resol_min" type="double precision" ucd="__resolution_ucd_3__;stat.min" unit="__framed_unit_3__" description="Resolution of coordinate 3, lower limit"/>
			<column name="c3_resol_max" type="double precision" ucd="__resolution_ucd_3__;stat.max" unit="__framed_unit_3__" description="Resolution of coordinate 3, upper limit"/>
			<column name="spatial_frame_type" type="text" ucd="meta.code.class;pos.frame" verbLevel="1"
			description="Kind of spatial frame: celestial, body, cartesian, cylindrical, spherical or none">
			<values default="\spatial_frame_type"/>
		</column>
			<column name="incidence_min" type="double precision" ucd="pos.incidenceAng;stat.min" unit="deg" description="Incidence angle (solar zenith angle), lower limit"/>
			<column name="incidence_max" type="double precision" ucd="pos.incidenceAng;stat.max" unit="deg" description="Incidence angle (solar zenith angle), upper limit"/>
			<column name="emergence_min" type="double precision" ucd="pos.emergenceAng;stat.min" unit="deg" description="Emergence angle, lower limit"/>
			<column name="emergence_max" type="double precision" ucd="pos.emergenceAng;stat.max" unit="deg" description="Emergence angle, upper limit"/>
			<column name="phase_min" type="double precision" ucd="pos.phaseAng;stat.min" unit="deg" description="Phase angle, lower limit"/>
			<column name="phase_max" type="double precision" ucd="pos.phaseAng;stat.max" unit="deg" description="Phase angle, upper limit"/>
			<column name="instrument_host_name" type="text" ucd="meta.id;instr.obsty" description="Name of the observatory or spacecraft" verbLevel="1"/>
			<column name="instrument_name" type="text" ucd="meta.id;instr" description="Name of the instrument" verbLevel="1"/>
			<column name="measurement_type" type="text" ucd="meta.ucd" description="UCDs of what the data measure, several joined by #" verbLevel="1"/>
			<column name="processing_level" type="integer" required="True" ucd="meta.calibLevel" verbLevel="1" note="et_cal"
			description="CODMAC calibration level (1 raw to 6 ancillary)"/>
			<column name="creation_date" type="timestamp" ucd="time.creation" description="When the granule was first entered" verbLevel="1"/>
			<column name="modification_date" type="timestamp" ucd="time.processing" description="When the granule was last changed" verbLevel="1"/>
			<column name="release_date" type="timestamp" ucd="time.release" description="From when the granule is public" verbLevel="1"/>
			<column name="service_title" type="text" ucd="meta.title" description="Short name of the service (tells results of several services apart)" verbLevel="1"/>
			<meta name="note" tag="et_prod">Values of dataproduct_type: im (image), ma (map),
				sp (spectrum), ds (dynamic spectrum), sc (spectral cube), pr (profile), pf
				(photometric profile), vo (volume), mo (movie), cu (cube), ts (time series),
				ca (catalogue), ci (catalogue item), sv (spatial vector), ev (event).  A
				granule may have several, joined by #.</meta>
			<meta name="note" tag="et_cal">CODMAC levels of processing_level: 1 raw,
				2 edited, 3 calibrated, 4 resampled, 5 derived, 6 ancillary.</meta>
		</events>
	</mixinDef>

	<mixinDef id="localfile-2_0">
		<doc>For EPN-TAP tables whose granules are local files: adds the accref column
		(indexed) that the populate-localfile-2_0 apply fills from the //products#define
		row filter.</doc>
		<events>
			<column name="accref" type="text" ucd="meta.ref.url;meta.main" tablehead="Product key"
				verbLevel="1" displayHint="type=product" hidden="True" description="Access key for the data"/>
			<index columns="accref"/>
		</events>
	</mixinDef>

	<procDef type="apply" id="populate-2_0">
		<doc>Puts the EPN-TAP columns into vars: bind those you have (granule_uid,
		granule_gid and obs_id are required); map them with idmaps="*".
		spatial_frame_type comes from the table-2_0 mixin.</doc>
		<setup>
			<par key="index_" late="True" description="A number for the granule; by default the number of rows made so far">\rowsMade</par>
			<par key="granule_uid" late="True"/>
			<par key="granule_gid" late="True"/>
			<par key="obs_id" late="True"/>
			<par key="dataproduct_type" late="True">None</par>
			<par key="target_name" late="True">None</par>
			<par key="target_class" late="True">"UNKNOWN"</par>
			<par key="time_min" late="True">None</par>
			<par key="time_max" late="True">None</par>
			<par key="time_sampling_step_min" late="True">None</par>
			<par key="time_sampling_step_max" late="True">None</par>
			<par key="time_exp_min" late="True">None</par>
			<par key="time_exp_max" late="True">None</par>
			<par key="spectral_range_min" late="True">None</par>
			<par key="spectral_range_max" late="True">None</par>
			<par key="spectral_sampling_step_min" late="True">None</par>
			<par key="spectral_sampling_step_max" late="True">None</par>
			<par key="spectral_resolution_min" late="True">None</par>
			<par key="spectral_resolution_max" late="True">None</par>
			<par key="c1min" late="True">None</par>
			<par key="c1max" late="True">None</par>
			<par key="c2min" late="True">None</par>
			<par key="c2max" late="True">None</par>
			<par key="c3min" late="True">None</par>
			<par key="c3max" late="True">None</par>
			<par key="s_region" late="True">None</par>
			<par key="c1_resol_min" late="True">None</par>
			<par key="c1_resol_max" late="True">None</par>
			<par key="c2_resol_min" late="True">None</par>
			<par key="c2_resol_max" late="True">None</par>
			<par key="c3_resol_min" late="True">None</par>
			<par key="c3_resol_max" late="True">None</par>
			<par key="incidence_min" late="True">None</par>
			<par key="incidence_max" late="True">None</par>
			<par key="emergence_min" late="True">None</par>
			<par key="emergence_max" late="True">None</par>
			<par key="phase_min" late="True">None</par>
			<par key="phase_max" late="True">None</par>
			<par key="instrument_host_name" late="True">None</par>
			<par key="instrument_name" late="True">None</par>
			<par key="measurement_type" late="True">None</par>
			<par key="processing_level" late="True">None</par>
			<par key="creation_date" late="True">None</par>
			<par key="modification_date" late="True">None</par>
			<par key="release_date" late="True">None</par>
			<par key="service_title" late="True">None</par>
			<par key="time_scale" late="True">"UTC"</par>
			<par key="time_refposition" late="True">"TOPOCENTER"</par>
			<par key="target_region" late="True">None</par>
		</setup>
		<code>
			for key, value in list(locals().items()):
				if key not in ("vars", "result", "targetTable", "_self"):
					vars[key] = value
			vars["spatial_frame_type"] = targetTable.tableDef.getProperty("spatial_frame_type", None)
		</code>
	</procDef>

	<procDef type="apply" id="populate-localfile-2_0">
		<doc>For tables with the localfile-2_0 mixin: fills access_estsize, access_url,
		accref, thumbnail (when there is a preview) and creation_date from the
		prodtbl* keys of the //products#define row filter.</doc>
		<setup>
			<par key="creation_date" late="True" description="When the granule was made (a datetime)">\sourceCDate</par>
		</setup>
		<code>
			vars["access_estsize"] = vars["prodtblFsize"] // 1024 if vars.get("prodtblFsize") is not None else None
			vars["access_url"] = makeProductLink(vars["prodtblAccref"])
			if vars.get("prodtblPreview"):
				vars["thumbnail"] = vars["prodtblPreview"]
			vars["accref"] = vars["prodtblAccref"]
			vars["creation_date"] = creation_date
		</code>
	</procDef>
</resource>
