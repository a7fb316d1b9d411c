// The embedded Python runtime (meles/rd/python) without a database: syntax checks at RD
// lines, the expression fallback, code that runs while an RD loads (LOOP codeItems, mixin
// processEarly/processLate), on-demand and on-loaded execute jobs, pythonCore, and the DaCHS
// names RD code imports.
#include "../rd_fixtures.hpp"

#include "meles/rd/expr/expression.hpp"
#include "meles/rd/model/resource.hpp"
#include "meles/rd/python/rd_code.hpp"
#include "meles/rd/python/runtime.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace meles;
using namespace meles::rd;
using meles::rd::test::dump;
using meles::rd::test::has_diagnostic;
using meles::rd::test::parse;

namespace {

// Evaluates a rowmaker expression that must go through the Python fallback.
expr::Value eval_python(std::string_view source, std::vector<std::pair<std::string, expr::Value>> fields = {},
                        bool* native = nullptr) {
	expr::Scope scope(true);
	for (auto& [name, v] : fields)
		scope.add_field(name);
	expr::CompileOptions opts;
	opts.pos = SourcePos{"q.rd", 7, 0};
	opts.fallback = python::expression_fallback({});
	auto e = expr::Expression::compile(source, scope, opts);
	if (native) *native = e.is_native();
	std::vector<expr::Value> slots(static_cast<size_t>(scope.size()), expr::Value::missing());
	for (auto& [name, v] : fields)
		slots[static_cast<size_t>(*scope.field(name))] = v;
	return e.evaluate(slots).to_owned();
}

std::string error_of(const std::function<void()>& f) {
	try {
		f();
	} catch (const Error& e) {
		return e.full_message();
	}
	return "";
}

} // namespace

TEST_CASE("python: syntax errors are reported at the RD line of the offending code line") {
	auto err = python::check_code("x = 1\nif x\n  y = 2\n", SourcePos{"q.rd", 20, 0},
	                              python::CodeShape::FunctionBody);
	REQUIRE(err);
	CHECK(err->kind() == ErrorKind::Syntax);
	REQUIRE(err->pos());
	CHECK(err->pos()->line == 21);
	CHECK(err->message().find("expected ':'") != std::string::npos);
	// @name is vars["name"] in apply code, as in DaCHS.
	CHECK_FALSE(python::check_code("@a = @b + 1\nyield 3", SourcePos{"q.rd", 5, 0},
	                               python::CodeShape::FunctionBody, "vars"));
	auto expr_err = python::check_expression("foo(@a,, 2)", SourcePos{"q.rd", 9, 0});
	REQUIRE(expr_err.error);
	CHECK(expr_err.error->pos()->line == 9);
	auto unknown = python::check_expression("frobnicate(@a) + len([@b])", SourcePos{"q.rd", 9, 0});
	CHECK_FALSE(unknown.error);
	REQUIRE(unknown.unknown_names.size() == 1);
	CHECK(unknown.unknown_names[0] == "frobnicate");
}

TEST_CASE("python: expressions beyond the native subset run in Python with DaCHS's names") {
	// A lambda: outside the native compiler's subset.
	bool native = true;
	CHECK(eval_python("sum((lambda v: [x * 2 for x in v])([@a, @b]))",
	                  {{"a", expr::Value::integer(3)}, {"b", expr::Value::integer(4)}}, &native)
	          .as_int() == 14);
	CHECK_FALSE(native);
	// What the native compiler covers stays native (no speed lost for the common case).
	eval_python("hmsToDeg(@ra, ':')", {{"ra", expr::Value::str("12:30:00")}}, &native);
	CHECK(native);
	// Rowmaker helpers are the native ones, called from Python.
	CHECK(eval_python("round(hmsToDeg(@ra, ':') * [1][0], 6)", {{"ra", expr::Value::str("12:30:00")}})
	          .as_float() == doctest::Approx(187.5));
	CHECK(eval_python("parseWithNull(@v, int, 'N/A')", {{"v", expr::Value::str("N/A")}}).is_none());
	CHECK(eval_python("(lambda: dateTimeToMJD(datetime.datetime(2000, 1, 1, 12)))()").as_float() ==
	      doctest::Approx(51544.5));
	// pgsphere values come back as geometries COPY can write.
	auto p = eval_python("(lambda: pgsphere.SPoint.fromDegrees(10, 20))()");
	INFO(p.repr());
	CHECK(p.repr() == "'(10.0d,20.0d)'");
	CHECK(eval_python("(lambda: pgsphere.SCircle(pgsphere.SPoint.fromDegrees(10, 20), 0.1).asSTCS('ICRS'))()")
	          .as_str()
	          .starts_with("Circle"));
	// numpy is Debian's.
	CHECK(
	    eval_python("(lambda: float(numpy.mean(numpy.array([@a, 3.0]))))()", {{"a", expr::Value::real(1.0)}})
	        .as_float() == 2.0);
	// A Python exception becomes ExprError naming the RD line and the exception.
	std::string msg = error_of([] {
		eval_python("(lambda x: int(x))(@a)", {{"a", expr::Value::str("x1")}});
	});
	CHECK(msg.find("q.rd:7") != std::string::npos);
	CHECK(msg.find("ValueError") != std::string::npos);
}

TEST_CASE("python: from gavo import api, base, utils, svcs, rscdef gives RD code DaCHS's names") {
	auto v = eval_python(
	    "(lambda api, base, utils, svcs, rscdef: "
	    "  [callable(base.ui.notifyInfo), callable(base.ui.notifyWarning), callable(base.getConfig),"
	    "   issubclass(base.ValidationError, base.Error), issubclass(api.NotFoundError, base.Error),"
	    "   callable(utils.pgsphere.SPoly), callable(api.hmsToDeg), callable(svcs.UnknownURI),"
	    "   callable(rscdef.getStandardPubDID), callable(api.dateTimeToMJD), callable(api.parseWithNull)])"
	    "(*[__import__('gavo.' + m, fromlist=['x']) for m in ['api', 'base', 'utils', 'svcs', 'rscdef']])");
	REQUIRE(v.kind() == expr::Kind::List);
	for (auto& item : v.items())
		CHECK(item.as_bool());
}

TEST_CASE("python: LOOP codeItems run while the RD loads and their rows become macros") {
	auto lr = parse(R"(<resource schema="t">
  <table id="t">
    <LOOP>
      <codeItems>
        for band in ["u", "g"]:
          yield {"band": band, "unit": "mag"}
      </codeItems>
      <events><column name="mag_\band" type="real" unit="\unit"/></events>
    </LOOP>
  </table>
</resource>)");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	auto* t = lr.resource->find_table("t");
	REQUIRE(t);
	REQUIRE(t->columns.size() == 2);
	CHECK(t->columns[0].meta.name == "mag_u");
	CHECK(t->columns[1].meta.name == "mag_g");
	CHECK(t->columns[1].meta.unit == "mag");
}

TEST_CASE("python: an exception in LOOP codeItems is an RD error at the failing code line") {
	auto lr = parse(R"(<resource schema="t">
  <table id="t">
    <LOOP>
      <codeItems>
        yield {"n": "1"}
        raise ValueError("no more bands")
      </codeItems>
      <events><column name="c\n" type="real"/></events>
    </LOOP>
  </table>
</resource>)");
	CHECK(lr.diagnostics.has_errors());
	CHECK(has_diagnostic(lr.diagnostics, "ValueError: no more bands", 6));
}

TEST_CASE("python: mixin processEarly and processLate run on the table they are mixed into") {
	auto lr = parse(R"(<resource schema="t">
  <mixinDef id="tagged">
    <mixinPar key="what">things</mixinPar>
    <processEarly><code>
      substrate.setMeta("description", "early: %s with %d columns" % (mixinPars["what"], len(substrate.columns)))
    </code></processEarly>
    <processLate><code>
      substrate.setMeta("note", "late: %s" % ",".join(c.name for c in substrate.columns))
    </code></processLate>
    <events><column name="tag" type="text"/></events>
  </mixinDef>
  <table id="t">
    <mixin what="stars">tagged</mixin>
    <column name="x" type="integer"/>
  </table>
</resource>)");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	auto* t = lr.resource->find_table("t");
	REQUIRE(t);
	CHECK(t->meta.text("description").value_or("").find("early: stars with") != std::string::npos);
	CHECK(t->meta.text("note").value_or("") == "late: tag,x");
}

TEST_CASE("python: execute jobs run on demand and on load, a job past its time limit is stopped") {
	auto lr = parse(R"(<resource schema="t">
  <execute id="setup" on="loaded" title="attach helpers">
    <job><code>
      import numpy
      rd.scaled = lambda x: float(numpy.float64(x) * 3)
    </code></job>
  </execute>
  <execute id="nightly" every="3600" title="nightly">
    <job><code>
      rd.lastRun = execDef.title + " " + str(rd.scaled(2))
      base.ui.notifyInfo(rd.lastRun)
    </code></job>
  </execute>
  <execute id="broken" every="3600" title="broken job">
    <job><code>
      x = 1
      raise base.ReportableError("the archive is gone")
    </code></job>
  </execute>
  <execute id="slow" every="3600" title="slow job">
    <job><code>
      while True:
        pass
    </code></job>
  </execute>
</resource>)");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	auto rd = lr.resource;
	REQUIRE(python::loaded_jobs(*rd).size() == 1);
	auto job = [&](const std::string& id) -> const ExecuteDef& {
		for (auto& x : rd->executes)
			if (x.id == id) return x;
		throw std::runtime_error("no job " + id);
	};
	// The on-loaded job attached rd.scaled before the nightly job sees rd.
	python::run_job(rd, job("nightly"));
	std::string msg = error_of([&] { python::run_job(rd, job("broken")); });
	CHECK(msg.find("broken job") != std::string::npos);
	CHECK(msg.find("ReportableError: the archive is gone") != std::string::npos);
	CHECK(msg.find(":17") != std::string::npos); // the raise line
	auto t0 = std::chrono::steady_clock::now();
	msg = error_of([&] { python::run_job(rd, job("slow"), std::chrono::seconds(1)); });
	CHECK(msg.find("slow job") != std::string::npos);
	CHECK(msg.find("time limit") != std::string::npos);
	CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
	// The interpreter is still usable afterwards.
	CHECK(eval_python("(lambda: 3)()").as_int() == 3);
}

TEST_CASE("python: a pythonCore gets its input keys and returns a table") {
	auto lr = parse(R"(<resource schema="t">
  <service id="sq" allowed="form,api">
    <pythonCore>
      <inputTable>
        <inputKey name="n" type="integer" required="True"/>
      </inputTable>
      <outputTable>
        <outputField name="i" type="integer"/>
        <outputField name="square" type="double precision"/>
      </outputTable>
      <coreProc>
        <code>
          n = inputTable.getParam("n")
          if n > 100:
            raise base.ValidationError("at most 100 rows", "n")
          return rsc.TableForDef(self.outputTable,
            rows=[{"i": i, "square": float(i*i)} for i in range(n)])
        </code>
      </coreProc>
    </pythonCore>
  </service>
</resource>)");
	INFO(dump(lr.diagnostics));
	REQUIRE(lr.resource);
	CHECK_FALSE(lr.diagnostics.has_errors());
	auto* svc = lr.resource->find_service("sq");
	REQUIRE(svc);
	python::CoreInput in;
	in.params["n"] = expr::Value::integer(3);
	auto out = python::run_core(lr.resource, *svc, in);
	CHECK_FALSE(out.is_data);
	REQUIRE(out.columns.size() == 2);
	CHECK(out.columns[1].name == "square");
	REQUIRE(out.rows.size() == 3);
	CHECK(out.rows[2][1].as_float() == 4.0);
	in.params["n"] = expr::Value::integer(1000);
	try {
		python::run_core(lr.resource, *svc, in);
		FAIL("no error");
	} catch (const Error& e) {
		CHECK(e.kind() == ErrorKind::Validation);
		CHECK(e.message().find("at most 100 rows") != std::string::npos);
	}
}

TEST_CASE("python: RD code never runs on the calling thread") {
	// The runtime hands work to its own threads, so the caller (an HTTP handler) never holds
	// the GIL; a Python thread calling back in runs inline instead of deadlocking.
	std::thread::id caller = std::this_thread::get_id(), ran;
	python::run_on_python_thread([&] {
		ran = std::this_thread::get_id();
		python::run_on_python_thread([] {});
	});
	CHECK(ran != caller);
}

TEST_CASE("python: row macros in RD code do not make meles val see syntax errors") {
	// olgavoz1971/dachs_upjs_vo ogle/lc.rd: `name = \srcstem` in apply code; the importer
	// expands the macro per source, the syntax check uses a stand-in.
	auto lr = parse(R"(<resource schema="t">
  <table id="t"><column name="o" type="text"/></table>
  <data id="d">
    <sources pattern="*.txt"/>
    <csvGrammar/>
    <make table="t">
      <rowmaker>
        <apply name="name"><code>
          name = \srcstem
          @o = name + \inputRelativePath
        </code></apply>
      </rowmaker>
    </make>
  </data>
</resource>)");
	INFO(dump(lr.diagnostics));
	CHECK_FALSE(lr.diagnostics.has_errors());
}

TEST_CASE("python: a pythonCore request past the synchronous time limit is stopped") {
	auto lr = parse(R"(<resource schema="t">
  <service id="spin" allowed="api">
    <pythonCore>
      <outputTable><outputField name="i" type="integer"/></outputTable>
      <coreProc><code>
        while True:
          pass
      </code></coreProc>
    </pythonCore>
  </service>
</resource>)");
	REQUIRE(lr.resource);
	python::RuntimeOptions o;
	o.request_time_limit = std::chrono::seconds(1);
	python::configure(o);
	auto t0 = std::chrono::steady_clock::now();
	std::string msg;
	ErrorKind kind = ErrorKind::Internal;
	try {
		python::run_core(lr.resource, *lr.resource->find_service("spin"), {});
	} catch (const Error& e) {
		msg = e.message();
		kind = e.kind();
	}
	python::configure({});
	CHECK(kind == ErrorKind::Timeout);
	CHECK(msg.find("did not answer within 1 s") != std::string::npos);
	CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
}
