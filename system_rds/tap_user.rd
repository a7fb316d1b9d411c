<?xml version="1.0" encoding="utf-8"?>
<!-- //tap_user — persistent user tables (Meles system RD).

  `meles imp //tap_user` switches persistent TAP uploads on: it creates the
  bookkeeping tables below (in Meles's own schema, readable by the admin role
  only) and, in the afterMeta script, the schema tap_user the user tables live
  in.  `meles drop -s //tap_user` switches the feature off again: the
  beforeDrop script drops tap_user with every user table in it, the importer
  then drops the bookkeeping.  The data element is updating, so importing the
  RD again (also with -s) never forgets existing tables.  Everything else
  (creating, filling, indexing, expiring user tables) is native code in
  services/user_tables; see docs/user-tables.md. -->
<resource schema="meles" resdir=".">
	<meta name="title">Persistent user tables</meta>
	<meta name="description">Bookkeeping of the tables users upload to or create in
		the schema tap_user through TAP: owners, names, columns, indexes, lifetimes,
		and per-user quota overrides.</meta>

	<table id="user_tables" onDisk="True" system="True" primary="sql_name">
		<meta name="description">One row per user table in schema tap_user.</meta>
		<column name="sql_name" type="text" required="True" ucd="meta.id;meta.main"
			description="Name of the table in schema tap_user: random, never derived from what users write"/>
		<column name="owner" type="text" ucd="meta.id"
			description="Account owning the table; NULL for anonymous tables (one shared namespace)"/>
		<column name="name" type="text" required="True"
			description="ADQL name of the table in tap_user (a regular identifier, lower case)"/>
		<column name="description" type="text" description="TABLE DESCRIPTION of the upload"/>
		<column name="origin" type="text" required="True"
			description="upload (PUT of a VOTable) or query (CREATE TABLE AS)"/>
		<column name="created" type="timestamp" required="True" description="Creation time (UTC)"/>
		<column name="modified" type="timestamp" required="True"
			description="Last change of the table or its metadata (UTC)"/>
		<column name="destruction" type="timestamp" required="True"
			description="When the reaper drops the table (UTC)"/>
		<column name="nrows" type="bigint" required="True" description="Number of rows"/>
		<column name="size_bytes" type="bigint" required="True" unit="byte"
			description="Disk space of table, TOAST and indexes (what quotas count)"/>
		<column name="index_job" type="text"
			description="Id of the latest UWS index job for this table"/>
		<index columns="owner,name"/>
		<index columns="destruction"/>
		<script type="afterMeta" lang="SQL" name="create tap_user">
			CREATE SCHEMA IF NOT EXISTS tap_user;
			GRANT USAGE ON SCHEMA tap_user TO \getConfig{db}{readRole};
			CREATE UNIQUE INDEX IF NOT EXISTS user_tables_unique_name
				ON meles.user_tables (owner, name) NULLS NOT DISTINCT;
			REVOKE ALL ON meles.user_tables FROM \getConfig{db}{readRole};
		</script>
		<script type="beforeDrop" lang="SQL" name="drop every user table">
			DROP SCHEMA IF EXISTS tap_user CASCADE;
		</script>
	</table>

	<table id="user_columns" onDisk="True" system="True" primary="table_sql,column_index">
		<meta name="description">The columns of the user tables with their VOTable metadata.</meta>
		<column name="table_sql" type="text" required="True" description="user_tables.sql_name"/>
		<column name="column_index" type="integer" required="True" description="Position, from 0"/>
		<column name="column_name" type="text" required="True"
			description="Name as written in the VOTable FIELD or the query (without quotes)"/>
		<column name="delimited" type="boolean" required="True"
			description="True when the name is not a regular ADQL identifier (it needs quotes)"/>
		<column name="rd_type" type="text" required="True" description="Column type in RD spelling"/>
		<column name="unit" type="text"/>
		<column name="ucd" type="text"/>
		<column name="utype" type="text"/>
		<column name="description" type="text"/>
		<column name="xtype" type="text"/>
		<column name="indexed" type="boolean" required="True"/>
		<column name="null_literal" type="text"/>
		<script type="afterMeta" lang="SQL" name="private">
			REVOKE ALL ON meles.user_columns FROM \getConfig{db}{readRole};
		</script>
	</table>

	<table id="user_indexes" onDisk="True" system="True" primary="index_name">
		<meta name="description">Indexes users asked for on their tables.</meta>
		<column name="index_name" type="text" required="True" description="SQL name of the index in tap_user"/>
		<column name="table_sql" type="text" required="True" description="user_tables.sql_name"/>
		<column name="kind" type="text" required="True" description="q3c, spoint or btree"/>
		<column name="columns" type="text" required="True"
			description="Comma-separated column_index values of the indexed columns"/>
		<index columns="table_sql"/>
		<script type="afterMeta" lang="SQL" name="private">
			REVOKE ALL ON meles.user_indexes FROM \getConfig{db}{readRole};
		</script>
	</table>

	<table id="user_quotas" onDisk="True" system="True" primary="username">
		<meta name="description">Per-account overrides of the [ivoa] user table quotas
			(meles adm quota).</meta>
		<column name="username" type="text" required="True" description="Account name"/>
		<column name="max_bytes" type="bigint" unit="byte" description="Disk space; NULL: the configured default"/>
		<column name="max_tables" type="integer" description="Number of tables; NULL: the configured default"/>
		<script type="afterMeta" lang="SQL" name="private">
			REVOKE ALL ON meles.user_quotas FROM \getConfig{db}{readRole};
		</script>
	</table>

	<data id="create" auto="True" updating="True">
		<make table="user_tables"/>
		<make table="user_columns"/>
		<make table="user_indexes"/>
		<make table="user_quotas"/>
	</data>
</resource>
