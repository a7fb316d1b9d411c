<?xml version="1.0" encoding="utf-8"?>
<!-- The Meles demo catalogue: 1,000,000 synthetic stars, uniform on the sky.
     scripts/demo generates data/cat1m.csv (deterministically) before importing. -->
<resource schema="stars" resdir=".">
  <meta name="creationDate">2026-11-23T00:00:00Z</meta>
  <meta name="title">Meles demo star catalogue</meta>
  <meta name="description">
    A synthetic, deterministically generated catalogue of one million point
    sources, uniformly distributed on the sky, with V magnitudes drawn from a
    Gaussian around 17 mag.  It exists to show what Meles does with a
    catalogue: TAP, cone search, VOSI.
  </meta>
  <meta name="creator">Meles developers</meta>
  <meta name="subject">catalogs</meta>
  <meta name="subject">stellar-astronomy</meta>
  <meta name="content.type">Catalog</meta>
  <meta name="contentLevel">Research</meta>
  <meta name="coverage.waveband">Optical</meta>

  <!-- TAP examples (shown at /tap/examples; TOPCAT lists them in its TAP window) -->
  <meta name="_example" title="Bright stars in a cone">
    The stars brighter than 15 mag within three degrees of (10, 10) in
    :taptable:`stars.main`.  The ``CONTAINS`` constraint uses the table's
    q3c index, so this is fast however large the catalogue.

    .. tapquery::

      SELECT id, ra, dec, mag FROM stars.main
      WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 10, 10, 3))
        AND mag &lt; 15
  </meta>
  <meta name="_example" title="Magnitude histogram">
    How many stars there are per magnitude bin in :taptable:`stars.main`;
    the aggregate runs in the database, only the bins travel.

    .. tapquery::

      SELECT FLOOR(mag) AS bin, COUNT(*) AS n
      FROM stars.main
      GROUP BY bin
      ORDER BY bin
  </meta>

  <table id="main" onDisk="True" adql="True" primary="id" mixin="//scs#q3cindex">
    <meta name="description">One million synthetic stars.</meta>
    <column name="id" type="bigint" ucd="meta.id;meta.main" required="True"
      tablehead="ID" description="Running source identifier" verbLevel="1"/>
    <column name="ra" type="double precision" unit="deg"
      ucd="pos.eq.ra;meta.main" tablehead="RA" verbLevel="1"
      description="ICRS right ascension" required="True"/>
    <column name="dec" type="double precision" unit="deg"
      ucd="pos.eq.dec;meta.main" tablehead="Dec" verbLevel="1"
      description="ICRS declination" required="True"/>
    <column name="mag" type="real" unit="mag" ucd="phot.mag;em.opt.V"
      tablehead="V" verbLevel="1" description="Synthetic V magnitude"/>
    <column name="name" type="text" ucd="meta.id" tablehead="Name"
      verbLevel="1" description="IAU-style designation"/>
  </table>

  <!-- meles limits fills the coverage (a MOC of the positions) from this table -->
  <coverage>
    <updater sourceTable="main"/>
  </coverage>

  <data id="import">
    <sources>data/cat1m.csv</sources>
    <csvGrammar topIgnoredLines="1" names="id,ra,dec,mag,name"/>
    <make table="main">
      <rowmaker idmaps="*"/>
    </make>
  </data>

  <service id="cone" allowed="form,scs.xml">
    <meta name="title">Meles demo cone search</meta>
    <meta name="shortName">demo cone</meta>
    <meta name="testQuery.ra">10.0</meta>
    <meta name="testQuery.dec">10.0</meta>
    <meta name="testQuery.sr">0.5</meta>
    <scsCore queriedTable="main">
      <FEED source="//scs#coreDescs"/>
    </scsCore>
    <publish render="scs.xml" sets="ivo_managed"/>
    <publish render="form" sets="local,ivo_managed"/>
  </service>
</resource>
