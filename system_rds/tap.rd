<?xml version="1.0" encoding="utf-8"?>
<!-- //tap — TAP_SCHEMA (Meles system RD).

  The five tables of TAP 1.1's TAP_SCHEMA with the standard column names and
  types.  Each table also has a sourcerd column (not part of the standard,
  which allows extra columns) recording the RD a row came from, so that
  importing or dropping an RD replaces exactly its rows.  The importer fills
  these tables natively from the RDs' table definitions. -->
<resource schema="tap_schema" resdir=".">
	<meta name="title">TAP_SCHEMA</meta>
	<meta name="description">Metadata of the tables published through TAP, as defined by
		the IVOA Table Access Protocol 1.1.</meta>

	<table id="schemas" onDisk="True" adql="True" system="True" primary="schema_name">
		<meta name="description">The schemas holding tables published through TAP.</meta>
		<column name="schema_name" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="Schema" description="Name of the schema"/>
		<column name="utype" type="text" verbLevel="20" tablehead="Utype"
			description="Data model type of the schema, if any"/>
		<column name="description" type="text" verbLevel="1" ucd="meta.note" tablehead="Description"
			description="What the schema contains"/>
		<column name="schema_index" type="integer" verbLevel="20" tablehead="Index"
			description="Hint for ordering schemas when presenting them (lower first)">
			<values nullLiteral="-1"/>
		</column>
		<column name="sourcerd" type="text" verbLevel="30" tablehead="Source RD"
			description="Id of the RD that declared the schema (Meles bookkeeping)"/>
	</table>

	<table id="tables" onDisk="True" adql="True" system="True" primary="table_name">
		<meta name="description">The tables published through TAP.</meta>
		<column name="schema_name" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="Schema" description="Name of the schema the table is in"/>
		<column name="table_name" type="text" required="True" ucd="meta.id;meta.main" verbLevel="1"
			tablehead="Table" description="Fully qualified name of the table, as used in queries"/>
		<column name="table_type" type="text" required="True" ucd="meta.code" verbLevel="1"
			tablehead="Type" description="Either table or view"/>
		<column name="utype" type="text" verbLevel="20" tablehead="Utype"
			description="Data model type of the table, if any"/>
		<column name="description" type="text" verbLevel="1" ucd="meta.note" tablehead="Description"
			description="What the table contains"/>
		<column name="table_index" type="integer" verbLevel="20" tablehead="Index"
			description="Hint for ordering tables when presenting them (lower first)">
			<values nullLiteral="-1"/>
		</column>
		<column name="sourcerd" type="text" verbLevel="30" tablehead="Source RD"
			description="Id of the RD that defines the table (Meles bookkeeping)"/>
		<column name="nrows" type="bigint" verbLevel="20" tablehead="Rows"
			description="Number of rows in the table (from the import, exact after meles limits)"/>
		<foreignKey inTable="schemas" source="schema_name" metaOnly="True"/>
	</table>

	<table id="columns" onDisk="True" adql="True" system="True" primary="table_name,column_name">
		<meta name="description">The columns of the tables published through TAP.</meta>
		<column name="table_name" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="Table" description="Fully qualified name of the table the column belongs to"/>
		<column name="column_name" type="text" required="True" ucd="meta.id;meta.main" verbLevel="1"
			tablehead="Column" description="Name of the column (delimited identifiers with their quotes)"/>
		<column name="datatype" type="text" required="True" ucd="meta.code" verbLevel="1"
			tablehead="Type" description="VOTable datatype of the column"/>
		<column name="arraysize" type="text" verbLevel="20" tablehead="Arraysize"
			description="VOTable arraysize of the column; null for scalars"/>
		<column name="xtype" type="text" verbLevel="20" tablehead="Xtype"
			description="VOTable xtype of the column, if any"/>
		<column name="quoted/size" type="integer" verbLevel="30" tablehead="Size"
			description="Length of fixed-size arrays (deprecated in favour of arraysize)">
			<values nullLiteral="-1"/>
		</column>
		<column name="description" type="text" verbLevel="1" ucd="meta.note" tablehead="Description"
			description="What the column contains"/>
		<column name="utype" type="text" verbLevel="20" tablehead="Utype"
			description="Data model type of the column, if any"/>
		<column name="unit" type="text" verbLevel="1" ucd="meta.unit" tablehead="Unit"
			description="Unit of the column values (VOUnit)"/>
		<column name="ucd" type="text" verbLevel="1" ucd="meta.ucd" tablehead="UCD"
			description="UCD 1+ of the column"/>
		<column name="indexed" type="integer" required="True" verbLevel="20" tablehead="Indexed"
			description="1 if the column is indexed (searches on it are fast), else 0"/>
		<column name="principal" type="integer" required="True" verbLevel="20" tablehead="Principal"
			description="1 if the column is of primary interest (shown by default), else 0"/>
		<column name="std" type="integer" required="True" verbLevel="20" tablehead="Standard"
			description="1 if the column is defined by a standard, else 0"/>
		<column name="column_index" type="integer" verbLevel="20" tablehead="Index"
			description="Hint for ordering columns when presenting them (lower first)">
			<values nullLiteral="-1"/>
		</column>
		<column name="sourcerd" type="text" verbLevel="30" tablehead="Source RD"
			description="Id of the RD that defines the column's table (Meles bookkeeping)"/>
		<foreignKey inTable="tables" source="table_name" metaOnly="True"/>
	</table>

	<table id="keys" onDisk="True" adql="True" system="True" primary="key_id">
		<meta name="description">Foreign keys between tables published through TAP.</meta>
		<column name="key_id" type="text" required="True" ucd="meta.id;meta.main" verbLevel="1"
			tablehead="Key" description="Unique identifier of the key"/>
		<column name="from_table" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="From table" description="Fully qualified name of the table holding the foreign key"/>
		<column name="target_table" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="Target table" description="Fully qualified name of the table the key points to"/>
		<column name="description" type="text" verbLevel="1" ucd="meta.note" tablehead="Description"
			description="What the key means"/>
		<column name="utype" type="text" verbLevel="20" tablehead="Utype"
			description="Data model type of the key, if any"/>
		<column name="sourcerd" type="text" verbLevel="30" tablehead="Source RD"
			description="Id of the RD that defines the key (Meles bookkeeping)"/>
		<foreignKey inTable="tables" source="from_table" dest="table_name" metaOnly="True"/>
		<foreignKey inTable="tables" source="target_table" dest="table_name" metaOnly="True"/>
	</table>

	<table id="key_columns" onDisk="True" adql="True" system="True">
		<meta name="description">The columns making up the foreign keys in TAP_SCHEMA.keys.</meta>
		<column name="key_id" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="Key" description="Identifier of the key (TAP_SCHEMA.keys.key_id)"/>
		<column name="from_column" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="From column" description="Column of the key in the from_table"/>
		<column name="target_column" type="text" required="True" ucd="meta.id" verbLevel="1"
			tablehead="Target column" description="Matching column in the target_table"/>
		<column name="sourcerd" type="text" verbLevel="30" tablehead="Source RD"
			description="Id of the RD that defines the key (Meles bookkeeping)"/>
		<foreignKey inTable="keys" source="key_id" metaOnly="True"/>
	</table>

	<!-- The TAP service itself (served natively at /tap), for its registry record:
		`meles pub //tap` publishes it with every table TAP lists in its tableset.  The
		site's metadata (publisher, creator, contact) comes from defaultmeta.txt; the date
		of the first publication stands in for a creationDate. -->
	<nullCore id="null"/>
	<service id="run" core="null" allowed="tap">
		<meta name="title">\getConfig{web}{sitename} TAP service</meta>
		<meta name="identifier">ivo://\getConfig{ivoa}{authority}/tap</meta>
		<meta name="description">The Table Access Protocol (TAP) service of \getConfig{web}{sitename}:
			ADQL queries against every table published here, synchronously or as
			asynchronous jobs, with uploads of one's own tables to join against.</meta>
		<meta name="subject">virtual-observatories</meta>
		<meta name="contentLevel">Research</meta>
		<meta name="type">Catalog</meta>
		<meta name="referenceURL">\getConfig{web}{serverURL}/tap</meta>
		<publish render="tap" sets="ivo_managed"/>
	</service>

	<data id="createSchema" auto="True">
		<make table="schemas"/>
		<make table="tables"/>
		<make table="columns"/>
		<make table="keys"/>
		<make table="key_columns"/>
	</data>
</resource>
