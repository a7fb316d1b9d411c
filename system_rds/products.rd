<?xml version="1.0" encoding="utf-8"?>
<!-- //products — the product registry (Meles system RD).

  In DaCHS every file served through getproduct is registered in dc.products:
  tables describing files mix in //products#table, which adds the product
  columns, and their data elements run the //products#define row filter in
  the grammar, which computes the product fields of each source.  Meles runs
  //products#define natively (rd/ingest/native_procs): its parameters become
  the prodtbl* keys of each record; the mixin maps them to the product columns
  and makes the data element fill dc.products as well (rows replacing those
  with the same accref; a table imported again forgets its old products
  first, as does `meles drop`).  See docs/rd-reference.md. -->
<resource schema="dc" resdir=".">
	<meta name="title">Product registry</meta>
	<meta name="description">Files the data centre delivers: their access keys,
		locations, owners, embargo dates and types.</meta>

	<table id="products" onDisk="True" system="True" primary="accref" dupePolicy="overwrite">
		<meta name="description">The products (files) this site serves, keyed by accref.</meta>
		<column name="accref" type="text" ucd="meta.ref;meta.main" tablehead="Key" verbLevel="1"
			required="True" description="Access reference of the product (usually its path below the inputs directory)"/>
		<column name="owner" type="text" tablehead="Owner" verbLevel="25"
			description="Group allowed to access the product during its embargo; empty for public data"/>
		<column name="embargo" type="date" ucd="time.release" tablehead="Embargo ends" verbLevel="25"
			description="Date from which the product is public"/>
		<column name="mime" type="text" ucd="meta.code.mime" tablehead="Type" verbLevel="20"
			description="Media type of the product"/>
		<column name="accessPath" type="text" tablehead="Path" verbLevel="25"
			description="File path of the product, relative to the inputs directory, or a URL"/>
		<column name="sourceTable" type="text" tablehead="Source table" verbLevel="25"
			description="Qualified name of the table the product is described in"/>
		<column name="preview" type="text" tablehead="Preview" verbLevel="25"
			description="Path or URL of a preview, AUTO for one computed on request, empty for none"/>
		<column name="preview_mime" type="text" tablehead="Preview type" verbLevel="25"
			description="Media type of the preview"/>
		<column name="datalink" type="text" tablehead="Datalink" verbLevel="25"
			description="URL of a datalink document for the product, if any"/>
		<index columns="sourceTable"/>
	</table>

	<mixinDef id="table">
		<doc>Makes a table describe files served through getproduct: adds the
		columns accref, owner, embargo, mime and accsize, fills them from the
		//products#define row filter, and registers each row's product in
		dc.products during import.</doc>
		<events>
			<column name="accref" type="text" ucd="meta.ref.url;meta.main" tablehead="Product key"
				verbLevel="1" displayHint="type=product" description="Access key for the data"/>
			<column name="owner" type="text" tablehead="Owner" verbLevel="25"
				description="Owner of the data"/>
			<column name="embargo" type="date" ucd="time.release" tablehead="Embargo ends" verbLevel="25"
				description="Date the data will become or became public"/>
			<column name="mime" type="text" ucd="meta.code.mime" tablehead="Type" verbLevel="20"
				description="MIME type of the file served"/>
			<column name="accsize" type="bigint" unit="byte" ucd="phys.size;meta.file" tablehead="Size"
				verbLevel="11" description="Size of the data in bytes">
				<values nullLiteral="-1"/>
			</column>
			<!-- A table made anew, or dropped, takes its products with it; dc.products may not
				exist yet (then there is nothing to forget). -->
			<script type="postCreation" lang="AC_SQL" name="forget the products of this table"
				>DELETE FROM dc.products WHERE sourceTable = '\qName'</script>
			<script type="beforeDrop" lang="AC_SQL" name="forget the products of this table"
				>DELETE FROM dc.products WHERE sourceTable = '\qName'</script>
		</events>
	</mixinDef>

	<STREAM id="hackProductsData">
		<doc>FEED this into a mixinDef whose tables describe files (DaCHS's
		//siap#pgs, //ssap#hcd and //epntap2 tables do): they become product
		tables as with //products#table — the product columns, and registration
		in dc.products by the //products#define row filter.  (DaCHS does this
		with a processLate procedure; Meles mixes //products#table into the
		table.)</doc>
		<events>
			<mixin>//products#table</mixin>
		</events>
	</STREAM>

	<procDef id="define" type="rowfilter">
		<doc>Computes the product fields of a source (prodtblAccref, prodtblPath,
		prodtblFsize, prodtblMime, prodtblOwner, prodtblEmbargo, prodtblPreview,
		prodtblPreviewMime, prodtblDatalink, prodtblTable) and adds them to each
		raw row.  Bind table to the quoted qualified name of the product table,
		e.g. "\schema.main".</doc>
		<setup>
			<par key="table" description="Qualified name of the table the products are described in (a string expression)"/>
			<par key="accref" description="Access reference (default: the source path relative to the inputs directory)">\inputRelativePath</par>
			<par key="path" description="Path of the file, relative to the inputs directory, or a URL">\inputRelativePath</par>
			<par key="fsize" description="Size of the file in bytes">\inputSize</par>
			<par key="mime" description="Media type of the product">'image/fits'</par>
			<par key="owner" description="Owning group during the embargo">None</par>
			<par key="embargo" description="End of the embargo (a date)">None</par>
			<par key="preview" description="Preview path or URL; 'AUTO' computes previews on request">'AUTO'</par>
			<par key="preview_mime" description="Media type of the preview">None</par>
			<par key="datalink" description="URL of a datalink document for the product">None</par>
		</setup>
	</procDef>

	<data id="import" auto="False">
		<make table="products"/>
	</data>
</resource>
