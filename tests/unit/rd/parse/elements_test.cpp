// One fixture per element family under tests/rd/fixtures/elements (and other/ for references
// across RDs); each test checks that the elements land in the model as documented.
#include "unit/rd/rd_fixtures.hpp"

#include "meles/core/common/strings.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace meles;
using namespace meles::rd;
using namespace meles::rd::test;

namespace {

std::shared_ptr<const Resource> load_clean(std::string_view id, RdStore& store = fixture_store()) {
	auto lr = store.load(id);
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	return lr.resource;
}

std::vector<std::string> column_names(const TableDef& t) {
	std::vector<std::string> out;
	for (auto& c : t.columns)
		out.push_back(c.meta.name);
	return out;
}

} // namespace

TEST_CASE("meta: nested, dotted, append, replace, typed, streams, inheritance") {
	RdStoreOptions o;
	o.inputs_dir = fixtures_dir();
	o.default_meta_file = fixtures_dir() / "defaultmeta.txt";
	RdStore store(o);
	auto rd = load_clean("elements/meta", store);
	// The stream's !title replaced the element-form title.
	CHECK(rd->meta.all("title").size() == 1);
	CHECK(rd->meta.text("title") == "Meta forms (stream)");
	// creator given nested, then creator.name added to the same (last) creator.
	auto creators = rd->meta.all("creator");
	REQUIRE(creators.size() == 1);
	CHECK(creators[0]->children.all("name").size() == 2);
	CHECK(rd->meta.text("creator.name") == "Doe, J.");
	CHECK(rd->meta.text("creator.logo") == "http://example.org/logo.png");
	// "!subject" replaced both earlier subjects.
	auto subjects = rd->meta.all("subject");
	REQUIRE(subjects.size() == 1);
	CHECK(subjects[0]->content == "only");
	auto* desc = rd->meta.first("description");
	REQUIRE(desc);
	CHECK(desc->format == "rst");
	CHECK(desc->content == "First line of the description.\n  Indented second line.\n\nThird paragraph.");
	CHECK(desc->pos.line == 11);
	auto* rel = rd->meta.first("_related");
	REQUIRE(rel);
	CHECK(rel->attributes.at("title") == "Project page");
	CHECK(rel->content == "http://example.org/project");
	CHECK(rd->meta.text("contact.name") == "Jane Doe");
	CHECK(rd->meta.text("contact.email") == "jane@example.org");
	CHECK(rd->meta.text("referenceURL") == "http://example.org/more");
	CHECK(rd->meta.all("coverage.waveband").size() == 2);
	// Table meta expanded \metaString against the RD.
	auto* t = rd->find_table("t");
	REQUIRE(t);
	CHECK(t->meta.text("description") == "Table of Meta forms (stream)");
	// Inheritance: service -> RD -> site default meta.
	auto* s = rd->find_service("s");
	REQUIRE(s);
	CHECK(rd->meta_text("title", &s->meta) == "Service title");
	CHECK(rd->meta_text("subject", &s->meta) == "only");
	CHECK(rd->meta_text("publisher", &s->meta) == "Meles Test Data Centre");
	CHECK(rd->meta_text("contact.name", &t->meta) == "Jane Doe"); // the RD's wins over the site's
	CHECK(rd->meta_text("authority.title") == "Meles tests authority");
	CHECK(rd->meta_text("nonexistent").empty());
}

TEST_CASE("table, column, param, values, option, index, foreignKey, stc, group, dm, publish, script") {
	auto rd = load_clean("elements/table");
	auto* t = rd->find_table("t");
	REQUIRE(t);
	CHECK(t->on_disk);
	CHECK(t->adql == AdqlAccess::Hidden);
	CHECK(t->primary == std::vector<std::string>{"id"});
	CHECK(t->force_unique);
	CHECK(t->dupe_policy == DupePolicy::DropOld);
	CHECK(t->nrows == 1000);
	CHECK(t->read_profiles == std::vector<std::string>{"trustedquery", "untrustedquery"});
	CHECK(t->all_profiles == std::vector<std::string>{"admin"});
	CHECK(column_names(*t) ==
	      std::vector<std::string>{"id", "flux", "kind", "pos", "spec", "code", "select", "epoch"});

	auto* id = t->find_column("ID"); // SQL names fold case
	REQUIRE(id);
	CHECK(id->meta.type.base == BaseType::BigInt);
	CHECK(id->meta.required);
	CHECK(id->meta.description == "Running number");
	CHECK(id->meta.verb_level == 1);
	CHECK(id->meta.principal);
	CHECK(id->meta.indexed);

	auto* flux = t->find_column("flux");
	REQUIRE(flux);
	CHECK(flux->meta.unit == "mJy");
	CHECK(flux->meta.utype == "ssa:Char.FluxAxis");
	CHECK(flux->meta.verb_level == 20);
	CHECK_FALSE(flux->meta.principal);
	CHECK(flux->display_hint.at("sf") == "3");
	CHECK(flux->display_hint.at("displayUnit") == "Jy");
	CHECK(flux->note == "n1");
	REQUIRE(flux->values);
	CHECK(flux->values->null_literal == "-9999");
	CHECK(flux->meta.null_literal == "-9999");
	CHECK(flux->values->min == "0");
	CHECK(flux->values->max == "1e6");
	CHECK(flux->values->default_value == "0");
	REQUIRE(flux->properties.size() == 1);
	CHECK(flux->properties[0].key == "statistics");
	CHECK(flux->properties[0].value == "enumerate");

	auto* kind = t->find_column("kind");
	REQUIRE(kind->values);
	REQUIRE(kind->values->options.size() == 2);
	CHECK(kind->values->options[0].value == "star");
	CHECK(kind->values->options[0].title == "A star");
	CHECK(kind->values->options[1].value == "galaxy");
	CHECK(kind->meta.indexed); // metaOnly indexes count for TAP_SCHEMA

	CHECK(t->find_column("pos")->meta.type.base == BaseType::SPoint);
	CHECK(t->find_column("spec")->meta.type.is_array);
	CHECK(t->find_column("code")->meta.type.char_len == 8);
	auto* sel = t->find_column("select");
	CHECK(sel->meta.delimited);
	auto* epoch = t->find_column("epoch"); // atomic values written as child elements
	REQUIRE(epoch);
	CHECK(epoch->meta.type.base == BaseType::Double);
	CHECK(epoch->meta.unit == "yr");
	CHECK(epoch->meta.description == "Epoch of the position");

	REQUIRE(t->params.size() == 2);
	CHECK(t->params[0].column.meta.name == "flux_limit");
	CHECK(t->params[0].value == "0.5");
	CHECK_FALSE(t->params[1].value.has_value()); // __NULL__

	REQUIRE(t->indexes.size() == 4);
	CHECK(t->indexes[0].name == "t_flux_idx");
	CHECK(t->indexes[1].name == "t_pos");
	CHECK(t->indexes[1].method == "GIST");
	CHECK(t->indexes[1].cluster);
	CHECK(t->indexes[2].meta_only);
	CHECK(t->indexes[3].sql_expression() == "(flux*2), id");
	CHECK(t->indexes[3].columns == std::vector<std::string>{"flux", "id"});

	REQUIRE(t->foreign_keys.size() == 1);
	CHECK(t->foreign_keys[0].dest_table == TableRef{"elements/table", "other"});
	CHECK(t->foreign_keys[0].dest == std::vector<std::string>{"oid"});
	CHECK(t->foreign_keys[0].meta_only);
	CHECK(t->stc == "Position ICRS \"pos\"");
	REQUIRE(t->groups.size() == 1);
	CHECK(t->groups[0].attribute("name")->value == "fluxes");
	REQUIRE(t->dms.size() == 1);
	REQUIRE(t->publish.size() == 1);
	CHECK(t->publish[0].sets == std::vector<std::string>{"ivo_managed", "local"});
	REQUIRE(t->scripts.size() == 1);
	CHECK(t->scripts[0].type == "postCreation");
	CHECK(t->scripts[0].content == "GRANT SELECT ON elements.t TO public");
	CHECK(find_property(t->properties, "forceStats")->value == "True");

	CHECK(rd->find_table("other")->primary == std::vector<std::string>{"oid"});
	auto* v = rd->find_table("v");
	REQUIRE(v);
	REQUIRE(v->is_view());
	CHECK(*v->view_statement == "CREATE VIEW elements.v AS (SELECT id, flux FROM elements.t)");
}

TEST_CASE("active tags: STREAM with DEFAULTS, NXSTREAM, FEED macros, EDIT, PRUNE, events, LOOP, LFEED") {
	auto rd = load_clean("elements/active");
	auto* t = rd->find_table("t");
	REQUIRE(t);
	CHECK(column_names(*t) == std::vector<std::string>{"m_V", "e_V", "c_x", "c_y", "a", "c", "d", "lim_lo",
	                                                   "lim_hi", "s_p", "s_q", "l_V"});
	CHECK(t->find_column("m_V")->meta.unit == "mag");
	CHECK(t->find_column("m_V")->meta.description == "Magnitude in V");
	CHECK(t->find_column("e_V")->meta.unit == "mmag");
	CHECK(t->find_column("a")->meta.description == "edited");
	CHECK(t->find_column("lim_hi")->meta.type.base == BaseType::Double);
	// The same column fed twice is kept once; original= naming a column of the table refines it.
	auto* refine = rd->find_table("refine");
	REQUIRE(refine);
	REQUIRE(refine->columns.size() == 1);
	CHECK(refine->columns[0].meta.tablehead == "Object");
	CHECK(refine->columns[0].meta.description == "Object id");
	// STREAMs are kept for other RDs to FEED.
	REQUIRE(rd->find_stream("cols"));
	CHECK(rd->find_stream("cols")->defaults.at("unit") == "mag");
	CHECK(rd->find_stream("looped")->no_expand);
	CHECK(rd->find_stream("cols")->doc == "Magnitude column for one band");
}

TEST_CASE("data: sources, grammars kept generically, make, rowmaker, parmaker, ignoreOn, apply") {
	auto rd = load_clean("elements/data");
	CHECK(rd->resdir == fixtures_dir() / "elements");
	auto* d = rd->find_data("import");
	REQUIRE(d);
	CHECK_FALSE(d->auto_import);
	CHECK(d->updating);
	CHECK(d->recreate_after == std::vector<std::string>{"elements/data#view"});
	REQUIRE(d->sources);
	CHECK(d->sources->patterns == std::vector<std::string>{"data/*.csv", "more/*.csv.gz"});
	CHECK(d->sources->recurse);
	REQUIRE(d->sources->ignore);
	CHECK(d->sources->ignore->from_db == "SELECT accref FROM elements.t");
	CHECK(d->sources->ignore->from_file == "done.txt");
	REQUIRE(d->grammar);
	auto& g = *d->grammar;
	CHECK(g.type == "csvGrammar");
	CHECK(g.option("delimiter") == "|");
	CHECK(g.option("preFilter") == "zcat");
	CHECK(g.element.pos.line == 29);
	REQUIRE(g.rowfilters.size() == 1);
	CHECK(g.rowfilters[0].proc_ref == "//products#define");
	REQUIRE(g.rowfilters[0].binds.size() == 2);
	CHECK(g.rowfilters[0].binds[0].expr.text == "\"elements.t\"");
	REQUIRE(g.ignore_on.size() == 1);
	CHECK(g.ignore_on[0].conditions[0].kind == IgnoreCondition::Kind::KeyMissing);
	CHECK(g.children("rowfilter").size() == 1); // the generic form keeps everything

	REQUIRE(d->makes.size() == 3);
	auto& m = d->makes[0];
	CHECK(m.table == TableRef{"elements/data", "t"});
	CHECK(m.role == "primary");
	auto& rm = m.rowmaker;
	CHECK_FALSE(rm.implicit);
	CHECK(rm.idmaps == std::vector<std::string>{"a"});
	CHECK(rm.simplemaps == std::vector<std::pair<std::string, std::string>>{{"b", "bb"}, {"d", "dd"}});
	REQUIRE(rm.ignore_on.size() == 1);
	CHECK(rm.ignore_on[0].bail);
	REQUIRE(rm.ignore_on[0].conditions.size() == 2);
	CHECK(rm.ignore_on[0].conditions[0].kind == IgnoreCondition::Kind::Not);
	CHECK(rm.ignore_on[0].conditions[0].children[0].kind == IgnoreCondition::Kind::KeyPresent);
	auto& conj = rm.ignore_on[0].conditions[1];
	CHECK(conj.kind == IgnoreCondition::Kind::And);
	REQUIRE(conj.children.size() == 2);
	CHECK(conj.children[1].key == "c");
	CHECK(conj.children[1].value == "x");
	REQUIRE(rm.vars.size() == 2);
	CHECK(rm.vars[0].key == "tmp");
	CHECK(rm.vars[0].expr->text == "@c + 1");
	CHECK(rm.vars[1].key == "copy");
	CHECK(rm.vars[1].source == "c");
	REQUIRE(rm.applies.size() == 1);
	CHECK(rm.applies[0].proc_ref == "elements/data#scale");
	CHECK(rm.applies[0].name == "doscale");
	REQUIRE(rm.maps.size() == 4);
	CHECK(rm.maps[0].key == "c");
	CHECK(rm.maps[0].expr->text == "parseFloat(@tmp)");
	CHECK(rm.maps[0].expr->pos.line == 49); // the line the expression is on, not the <map> line
	CHECK(rm.maps[0].null_expr->text == "-1");
	CHECK(rm.maps[0].null_excs == std::vector<std::string>{"ValueError", "TypeError"});
	CHECK(rm.maps[1].key == "accref");
	CHECK(rm.maps[1].expr->text == "\\inputRelativePath"); // rowmaker macros wait for the importer
	CHECK(rm.maps[2].source == "e");
	CHECK(rm.maps[3].source == "ff");

	CHECK(d->makes[1].rowmaker_ref == "elements/data#shared");
	CHECK(d->makes[1].rowmaker.idmaps == std::vector<std::string>{"a", "b"});
	CHECK(d->makes[1].rowmaker.maps[0].expr->text == "float(@c)*2");
	CHECK(d->makes[2].row_source == "parameters");
	REQUIRE(d->makes[2].parmaker);
	CHECK(d->makes[2].parmaker->idmaps == std::vector<std::string>{"a"});
	CHECK(d->makes[2].rowmaker.implicit);
	CHECK(d->makes[2].scripts[0].content == "DELETE FROM elements.t");
	CHECK(find_property(d->properties, "previewDir")->value == "previews");
	CHECK(d->meta.text("description") == "Data element meta");
	CHECK(d->publish[0].sets == std::vector<std::string>{"local"});

	// A make without rowmaker gets the identity rowmaker.
	auto* view = rd->find_data("view");
	CHECK(view->makes[0].rowmaker.implicit);
	CHECK(view->makes[0].rowmaker.idmaps == std::vector<std::string>{"*"});
	CHECK(rd->find_data("items")->sources->items == std::vector<std::string>{"one", "two"});
	CHECK(rd->find_data("items")->grammar->type == "nullGrammar");
	CHECK(rd->find_data("cols")->grammar->option("colDefs") == "a:1-3 b:5");
	auto& re = *rd->find_data("re")->grammar;
	CHECK(re.option("recordSep") == "\\n"); // backslashes that are no macros stay
	CHECK(re.option("fieldSep") == "\\s+");
	CHECK(rd->find_data("fits")->grammar->option("hdu") == "1");
	CHECK(rd->find_data("dict")->grammar->option("asPars") == "True");
	CHECK(rd->procdefs[0].pars.size() == 2);
	CHECK_FALSE(rd->procdefs[0].pars[1].default_value);
}

TEST_CASE("services: cores, condDescs (original, buildFrom, inputKeys), outputTable, publish") {
	auto lr = fixture_store().load("elements/service");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	// Python the runtime does not run (datalink procedures) is kept with a warning; pythonCore runs.
	CHECK_FALSE(has_diagnostic(lr.diagnostics, "pythonCore"));
	CHECK(has_diagnostic(lr.diagnostics, "descriptorGenerator is Python code"));
	auto& rd = *lr.resource;
	auto* form = rd.find_service("form");
	REQUIRE(form);
	CHECK(form->allowed == std::vector<std::string>{"form", "static"});
	CHECK(form->default_renderer == "form");
	CHECK(form->limit_to == "staff");
	CHECK(form->custom_page == "res/page.html");
	CHECK(find_property(form->properties, "staticData")->value == "data/files");
	REQUIRE(form->core);
	auto& core = *form->core;
	CHECK(core.type == "dbCore");
	CHECK(core.queried_table == TableRef{"elements/service", "main"});
	REQUIRE(core.cond_descs.size() == 3);
	CHECK(core.cond_descs[0].original == "elements/service#magcond");
	REQUIRE(core.cond_descs[0].input_keys.size() == 1);
	auto& k = core.cond_descs[0].input_keys[0];
	CHECK(k.column.meta.name == "maxmag");
	CHECK(k.column.type_text == "vexpr-float");
	CHECK(k.column.meta.type.base == BaseType::Double);
	CHECK(k.multiplicity == "single");
	CHECK(k.show_items == 3);
	CHECK(k.input_unit == "mag");
	CHECK(k.widget_factory == "ScalingTextArea");
	CHECK(k.column.values->options[0].value == "10");
	CHECK(core.cond_descs[1].original == "//scs#humanInput");
	CHECK(core.cond_descs[1].required);
	CHECK(core.cond_descs[1].input_keys[1].column.meta.unit == "arcmin");
	CHECK(core.cond_descs[2].fixed_sql == "mag IS NOT NULL");
	CHECK(core.cond_descs[2].silent);
	CHECK(core.cond_descs[2].combining);
	CHECK(core.cond_descs[2].joiner == "OR");
	REQUIRE(core.input_keys.size() == 1);
	CHECK(core.input_keys[0].value == "5");
	CHECK(core.input_keys[0].column.meta.type.base == BaseType::Integer);
	REQUIRE(core.output_table);
	CHECK(core.output_table->verb_level == 20);
	CHECK(core.output_table->auto_cols == std::vector<std::string>{"ra", "dec", "mag*"});
	REQUIRE(core.output_table->fields.size() == 2);
	CHECK(core.output_table->fields[0].column.meta.name == "name");
	CHECK(core.output_table->fields[0].column.original == "elements/service#main.name");
	CHECK(core.output_table->fields[0].column.display_hint.at("type") == "keephtml");
	CHECK(core.output_table->fields[1].select == "name || 'x'");
	CHECK(core.output_table->fields[1].sets == std::vector<std::string>{"ALL"});
	REQUIRE(form->publish.size() == 2);
	CHECK(form->publish[1].service == "cone");
	CHECK(form->publish[1].render == std::vector<std::string>{"scs.xml"});

	auto* cone = rd.find_service("cone");
	CHECK(cone->core_ref == "elements/service#sharedcore");
	REQUIRE(cone->core);
	CHECK(cone->core->limit == 100);
	CHECK(cone->core->sort_key == "mag");
	CHECK(cone->core->distinct);
	CHECK(cone->core->cond_descs[0].build_from == "mag");
	CHECK(cone->output_table->auto_cols == std::vector<std::string>{"ra", "dec"});
	CHECK(cone->output_table->original == "elements/service#sharedout");

	auto* fixed = rd.find_service("fixed");
	CHECK(fixed->core->options.at("query") == "SELECT count(*) FROM elements.main");
	CHECK(fixed->core->options.at("timeout") == "10");
	CHECK(fixed->core->output_table->fields[0].column.meta.type.base == BaseType::BigInt);
	CHECK(rd.find_service("ssa")->core->type == "ssapCore");
	auto* dl = rd.find_service("dl");
	REQUIRE(dl->core->procs.size() == 4);
	CHECK(dl->core->procs[0].element == "descriptorGenerator");
	CHECK(dl->core->procs[0].code->text == "return pubDID");
	auto* py = rd.find_service("py");
	CHECK(py->input_keys.size() == 1);
	CHECK(py->core->procs[0].element == "coreProc");
	CHECK(rd.find_service("tapish")->core->options.at("someOption") == "x");
}

TEST_CASE("execute, regSuite/regTest, coverage, procDef, script, resRec, property are kept") {
	auto rd = load_clean("elements/misc");
	REQUIRE(rd->executes.size() == 3);
	auto& nightly = rd->executes[0];
	CHECK(nightly.title == "Nightly refresh");
	CHECK(nightly.at == std::vector<std::string>{"3:30", "m1 4:00", "w3 15:02"});
	CHECK(nightly.debug);
	CHECK(nightly.job.code->text == "rd.refresh()");
	CHECK(rd->executes[1].every == -600);
	CHECK(rd->executes[1].job.imports == std::vector<std::string>{"os"});
	CHECK(rd->executes[1].job.setup_code->text == "import os");
	CHECK(rd->executes[2].on == "loaded");
	REQUIRE(rd->reg_suites.size() == 1);
	auto& suite = rd->reg_suites[0];
	CHECK(suite.title == "Basic tests");
	CHECK(suite.sequential);
	REQUIRE(suite.tests.size() == 2);
	CHECK(suite.tests[0].tags == std::vector<std::string>{"forms", "quick"});
	REQUIRE(suite.tests[0].url);
	CHECK(suite.tests[0].url->text == "svc/form");
	CHECK(suite.tests[0].url->attribute("RA")->value == "10");
	CHECK(suite.tests[0].code->text == "self.assertHasStrings(\"Matched\")");
	CHECK(suite.tests[0].code->pos.line == 22);
	CHECK(suite.tests[1].url->text == "svc/scs.xml?RA=1&DEC=2&SR=1");
	REQUIRE(rd->coverage);
	CHECK(rd->coverage->updater->source_table == "main");
	CHECK(rd->coverage->updater->moc_order == 6);
	CHECK(rd->coverage->spatial == "6/1,2,3");
	CHECK(rd->coverage->temporal == "50000 51000");
	auto* p = rd->find_procdef("mkpar");
	REQUIRE(p);
	CHECK(p->type == "apply");
	CHECK(p->doc == "Doc of the proc");
	CHECK(p->imports == std::vector<std::string>{"math"});
	REQUIRE(p->pars.size() == 2);
	CHECK(p->pars[0].default_value->text == "1");
	CHECK(p->pars[0].description == "the x");
	CHECK(p->pars[1].key == "y");
	CHECK(p->pars[1].late);
	CHECK(p->setup_code->text == "K = 2");
	CHECK(p->code->text == "vars[\"z\"] = x");
	CHECK(p->has_python());
	CHECK(rd->find_table("main")->scripts[0].content == "ANALYZE elements.main");
	REQUIRE(rd->res_recs.size() == 1);
	CHECK(find_property(rd->properties, "sitewide")->value == "yes");
}

TEST_CASE("mixins: parameters, events, lateEvents, system index mixins, products") {
	auto rd = load_clean("elements/mixins");
	auto* cat = rd->find_table("cat");
	REQUIRE(cat);
	// A mixin's events are replayed where the mixin is given: here the <mixin> child comes first.
	CHECK(column_names(*cat) == std::vector<std::string>{"band_V", "ra", "dec", "mag"});
	CHECK(cat->find_column("band_V")->meta.description == "Band V");
	REQUIRE(cat->params.size() == 2);
	CHECK(cat->params[0].value == "2"); // mixinPar default
	CHECK(cat->params[1].column.meta.name == "ncols");
	CHECK(cat->params[1].value == "band_V, ra, dec, mag"); // lateEvents see the complete table
	REQUIRE(cat->indexes.size() == 2);
	// Mixins in the order given: the attribute's //scs#pgs-pos-index, then the child's calib.
	CHECK(cat->indexes[0].name == "pgspos_cat");
	CHECK(cat->indexes[0].method == "GIST");
	CHECK(cat->indexes[0].columns == std::vector<std::string>{"ra", "dec"});
	CHECK(cat->indexes[0].sql_expression() == "spoint(RADIANS(ra), RADIANS(dec))");
	CHECK(cat->indexes[1].name == "cat_magidx");
	CHECK(cat->indexes[1].columns == std::vector<std::string>{"mag"});
	REQUIRE(cat->mixins.size() == 2);
	CHECK(cat->mixins[1].ref == "elements/mixins#calib");
	CHECK(cat->mixins[1].params.at("band") == "V");

	auto* images = rd->find_table("images");
	REQUIRE(images);
	// The mixin attribute is applied before the table's own children.
	CHECK(column_names(*images) ==
	      std::vector<std::string>{"accref", "owner", "embargo", "mime", "accsize", "object"});
	CHECK(images->behaviours.count("products"));
	CHECK(images->find_column("accref")->display_hint.at("type") == "product");
	// The native part of //products#table: the rowmaker gets the product maps.
	auto& rm = rd->find_data("import")->makes[0].rowmaker;
	REQUIRE(rm.maps.size() == 5);
	CHECK(rm.maps[0].key == "accref");
	CHECK(rm.maps[0].expr->text == "@prodtblAccref");
	CHECK(rm.maps[4].key == "accsize");
	CHECK(rm.maps[4].expr->text == "@prodtblFsize");

	auto* spectra = rd->find_table("spectra");
	REQUIRE(spectra->indexes.size() == 1);
	CHECK(spectra->indexes[0].name == "q3c_spectra");
	CHECK(spectra->indexes[0].sql_expression() == "q3c_ang2ipix(degrees(long(loc)), degrees(lat(loc)))");
}

TEST_CASE("original= on tables, columns (also across RDs and through namePath), procDefs, data, services") {
	auto rd = load_clean("elements/original");
	auto* derived = rd->find_table("derived");
	REQUIRE(derived);
	CHECK(derived->original == "elements/original#base");
	CHECK(column_names(*derived) == std::vector<std::string>{"id", "ra", "dec", "extra"});
	CHECK_FALSE(derived->on_disk);
	CHECK(derived->primary == std::vector<std::string>{"id"});
	CHECK(derived->meta.text("description") == "Base table");
	CHECK(derived->indexes.size() == 1); // copied, not mixed in a second time
	auto* borrow = rd->find_table("borrow");
	REQUIRE(borrow);
	CHECK(column_names(*borrow) == std::vector<std::string>{"ra", "accref", "dec"});
	CHECK(borrow->columns[0].meta.tablehead == "Alpha");
	CHECK(borrow->columns[0].meta.unit == "deg");
	CHECK(borrow->columns[0].original == "elements/original#base.ra");
	CHECK(borrow->columns[1].original == "//products#products.accref");
	CHECK(borrow->columns[1].meta.verb_level == 5);
	CHECK(borrow->columns[1].meta.required);
	CHECK(rd->find_procdef("p2")->pars.size() == 1);
	CHECK(rd->find_procdef("p2")->original == "elements/original#p1");
	auto* d2 = rd->find_data("d2");
	CHECK_FALSE(d2->auto_import);
	CHECK(d2->makes.size() == 1);
	auto* s2 = rd->find_service("s2");
	CHECK(s2->allowed == std::vector<std::string>{"form", "scs.xml"});
	CHECK(s2->core->type == "dbCore");
}

TEST_CASE("references into other RDs: FEED, mixin, namePath + LOOP originals, procDef, make table") {
	auto rd = load_clean("other/user");
	auto* t = rd->find_table("t");
	REQUIRE(t);
	CHECK(column_names(*t) == std::vector<std::string>{"stamp", "obj_id", "x", "y"});
	CHECK(t->find_column("x")->meta.unit == "m");
	CHECK(t->find_column("x")->original == "other/lib#proto.x");
	CHECK(rd->find_data("d")->makes[0].rowmaker.applies[0].proc_ref == "other/lib#fill");
	CHECK(rd->find_data("d2")->makes[0].table == TableRef{"other/lib", "proto"});
}

TEST_CASE("macros at load time: RD, table and active-tag scopes") {
	RdStoreOptions o;
	o.inputs_dir = fixtures_dir();
	o.config = [](std::string_view section, std::string_view item) -> std::optional<std::string> {
		if (section == "web" && item == "serverURL") return "http://example.org/";
		if (section == "ivoa" && item == "authority") return "org.example";
		return std::nullopt;
	};
	RdStore store(o);
	auto rd = load_clean("elements/macros", store);
	auto m = [&](std::string_view key) { return rd->meta.text(key).value_or("<none>"); };
	CHECK(m("m1") == "mac|elements/macros|elements.macros|Hello mac");
	CHECK(m("m2") == "http://example.org/|/var/gavo/inputs|1000000");
	CHECK(m("m3") == "Macro test|fallback|a, b");
	CHECK(m("m4") == "ABC|abc|hello|\"a\\\"b\"|'it''s'|a%20b/c");
	CHECK(m("m5") == "a<12>b|__EMPTY__|x|test macro expansion");
	CHECK(m("m6") == "http://example.org/foo/bar|`Form <http://example.org/svc/form>`_|"
	                 "`mac.t <http://example.org/tableinfo/mac.t>`_");
	CHECK(m("m7") == "\\schema|ab|one two|MIXED MAC|x\\{y\\}");
	auto m8 = split(m("m8"), ';');
	REQUIRE(m8.size() == 3);
	CHECK(std::regex_match(m8[0], std::regex(R"(\d{4}-\d{2}-\d{2})")));
	CHECK(m8[1] == "('ivo://org.example/~?' || accref)");
	CHECK(m8[2] == (fixtures_dir() / "elements").string());
	CHECK(m("license").find("Creative Commons Attribution 4.0") != std::string::npos);
	auto* t = rd->find_table("t");
	CHECK(t->meta.text("m9") == "mac.t|t|mac.t|ra, mag|mag|ra|20|dflt");
	auto& rm = rd->find_data("d")->makes[0].rowmaker;
	CHECK(rm.maps[0].expr->text == "float(\\srcstem) + \\rowsMade");
	CHECK(rm.maps[1].expr->text == "len(\"mac\")");
}
