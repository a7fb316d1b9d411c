<?xml version="1.0" encoding="utf-8"?>
<!-- A small galaxy sample read from a FITS binary table (galaxies.fits, 250 rows). -->
<resource schema="galaxies" resdir=".">
  <meta name="creationDate">2026-11-23T00:00:00Z</meta>
  <meta name="title">Meles demo galaxy sample</meta>
  <meta name="description">
    250 synthetic galaxies with redshifts, B magnitudes, morphological types and
    fluxes in three bands, ingested from a FITS binary table.
  </meta>
  <meta name="creator">Meles developers</meta>
  <meta name="subject">galaxies</meta>
  <meta name="content.type">Catalog</meta>

  <table id="main" onDisk="True" adql="True" primary="mgc_id"
      mixin="//scs#pgs-pos-index">
    <meta name="description">The galaxy sample.</meta>
    <column name="mgc_id" type="integer" ucd="meta.id;meta.main"
      required="True" description="Catalogue number"/>
    <column name="name" type="text" ucd="meta.id" description="Designation"/>
    <column name="ra" type="double precision" unit="deg" ucd="pos.eq.ra;meta.main"
      required="True" description="ICRS right ascension"/>
    <column name="dec" type="double precision" unit="deg" ucd="pos.eq.dec;meta.main"
      required="True" description="ICRS declination"/>
    <column name="z" type="double precision" ucd="src.redshift"
      description="Redshift"/>
    <column name="bmag" type="real" unit="mag" ucd="phot.mag;em.opt.B"
      description="B magnitude (NULL where not measured)"/>
    <column name="morph" type="text" ucd="src.morph.type"
      description="Morphological type (E, S0, Sa, Sb, Sc, Irr)"/>
    <column name="flux" type="real[3]" unit="mJy" ucd="phot.flux"
      description="Fluxes in three bands"/>
    <column name="dist" type="double precision" unit="Mpc" ucd="pos.distance"
      description="Hubble-flow distance for H0 = 70 km/s/Mpc"/>
  </table>

  <data id="import">
    <sources>galaxies.fits</sources>
    <fitsTableGrammar lowerKeys="True" nanIsNULL="True"/>
    <make table="main">
      <rowmaker idmaps="mgc_id,name,ra,dec,z,bmag,morph,flux">
        <map key="dist">@z*299792.458/70.</map>
      </rowmaker>
    </make>
  </data>
</resource>
