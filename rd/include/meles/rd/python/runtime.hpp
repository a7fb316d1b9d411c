// meles/rd/python/runtime.hpp — the one door to the RD code Meles does not run natively.
//
// RDs written for DaCHS carry Python: expressions beyond the native compiler's subset,
// procedures (apply, rowfilter, sourceFields), embedded and custom grammars, LOOP codeItems,
// mixin processEarly/processLate, python scripts, pythonCore services, execute jobs, datalink
// procedures.  This header is all the rest of Meles sees of them: which sites run (one table,
// site_info), syntax checks for `meles val`, and the entry points that run code.  The
// interpreter (embedded CPython, rd/src/python, the only user of Python.h) stays behind it.
//
// Threads: Python runs only on the runtime's own threads ([python] threads, at a lower CPU
// priority); every entry point here hands its work to one of them and waits, so a caller never
// holds the GIL and the HTTP event loop can never stall on it.  Entry points may be called from
// any thread.  Code runs with the GIL; C++ called back from Python (database access) releases it
// while it waits.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/rd/expr/expression.hpp"
#include "meles/rd/model/source_text.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meles::pg {
class Connection;
}

namespace meles::rd {
struct Resource;
struct TableDef;
struct ApplyDef;
struct ProcDef;
struct ExecuteDef;
struct ServiceDef;
struct ScriptDef;
struct MixinDef;
struct MixinUse;
struct Column;
} // namespace meles::rd

namespace meles::rd::python {

// ------------------------------------------------------------------ what runs where

// The places RD code can appear.  Everything that decides whether some RD construct "needs
// Python" asks site_info() rather than deciding on its own.
enum class Site {
	Expression,      // map/var/bind/nullExpr body beyond the native subset (per row)
	Apply,           // rowmaker apply (per row)
	Rowfilter,       // grammar rowfilter (per raw row)
	SourceFields,    // grammar sourceFields (per source)
	EmbeddedGrammar, // embeddedGrammar iterator/pargetter (per source)
	CustomGrammar,   // customGrammar module= (per source)
	LoopCodeItems,   // LOOP codeItems (RD load)
	MixinProc,       // mixinDef processEarly/processLate (RD load)
	Script,          // script lang="python" (table lifecycle during imp/drop)
	ExecuteJob,      // execute/job (scheduler, on="loaded", by hand)
	PythonCore,      // pythonCore coreProc (per request)
	CustomCore,      // customCore module= (per request)
	PhraseMaker,     // condDesc phraseMaker (per request)
	Datalink,        // descriptorGenerator, metaMaker, dataFunction, dataFormatter
	Formatter,       // outputField formatter (per output row)
	CustomRenderer,  // service customRF/customDF (per request)
	RegTest,         // regTest code (`dachs test`)
	Require,         // resource require= (module imports)
};

struct SiteInfo {
	Site site;
	std::string_view name; // "apply", "embeddedGrammar", ...
	bool runs;             // Meles runs this code; otherwise it is checked and kept
	std::string_view why;  // for kept sites: what is missing ("no datalink service yet")
};
const SiteInfo& site_info(Site site);
// The message for a kept site: "<what> is Python code Meles checks but does not run (<why>)".
std::string kept_message(Site site, std::string_view what);

// ------------------------------------------------------------------ configuration

enum class DbRole { Admin, ReadOnly };

struct RuntimeOptions {
	int threads = 2;                             // Python threads (jobs and requests may run side by side)
	int nice = 10;                               // CPU niceness of the Python threads (0: as the process)
	std::chrono::seconds job_time_limit{3600};   // execute jobs and scripts are stopped after this
	std::chrono::seconds request_time_limit{60}; // pythonCore code of a request is stopped after this
	// Opens a database connection for RD code (base.getTableConn() and friends); unset: RD code
	// that asks for one gets a Python error saying there is no database here (meles val).
	std::function<std::unique_ptr<pg::Connection>(DbRole)> connect;
	std::string server_url = "http://localhost:8080"; // base.getConfig("web", "serverURL") ...
	std::function<std::optional<std::string>(std::string_view section, std::string_view key)> config;
	// Where notifyInfo/notifyWarning and job output go (default: the log).
	std::function<void(std::string_view level, std::string_view message)> notify;
};
// Sets the options; call before the first use (later calls change connect/config/notify only).
void configure(RuntimeOptions options);

// ------------------------------------------------------------------ checking (meles val)

enum class CodeShape {
	Statements,   // setup code, scripts, jobs (a module body)
	FunctionBody, // procedure code (becomes a function body; yield allowed)
	Expression,   // a single Python expression (map/var/bind/par defaults, codeItems excluded)
};
// Compiles `code` without running it.  Returns the SyntaxError as an Error at the RD line of
// the offending code line, or nullopt.  `at_names` replaces @name by vars["name"] first (as
// DaCHS does in rowmaker code); `dict_name` names the dict ("vars", "row").
std::optional<Error> check_code(std::string_view code, const SourcePos& pos, CodeShape shape,
                                std::string_view dict_name = "");

// A rowmaker expression the native compiler did not take: its Python syntax (an Error at
// the RD line) and the names it reads that nothing defines (Python raises NameError for them
// when the row is made; DaCHS does not check them beforehand).
struct ExpressionCheck {
	std::optional<Error> error;
	std::vector<std::string> unknown_names;
};
ExpressionCheck check_expression(std::string_view text, const SourcePos& pos);

// ------------------------------------------------------------------ expressions

// The fallback the expression compiler takes for bodies outside its native subset.  The
// evaluators it makes see `@name` as vars["name"] (all slots of the scope as `vars`), the
// rowmaker namespace (DaCHS's rowmaker helpers, math, re, datetime, base, utils, pgsphere,
// numpy, rd, targetTable) and raise ExprError for Python exceptions.  A syntax error keeps
// the native error; Python's own SyntaxError is reported by check_code.
struct ExpressionContext {
	std::shared_ptr<const Resource> rd; // for `rd` and macros; may be null (tests)
	const TableDef* table = nullptr;    // for targetTable
};
expr::FallbackCompiler expression_fallback(ExpressionContext context);

// ------------------------------------------------------------------ procedures in rowmakers

// Per-row Python state of one compiled rowmaker: its applies, and a `vars` dict shared by its
// fallback expressions and applies, built at most once per row from the slots.
class RowStage {
public:
	RowStage(std::shared_ptr<const Resource> rd, const TableDef& table);
	~RowStage();
	RowStage(const RowStage&) = delete;
	RowStage& operator=(const RowStage&) = delete;

	// Compiles an apply: the procDef's and the application's setup (pars, imports, code) run
	// now; late pars are bound per call.  `expand` expands rowmaker macros (per source) in code
	// and binds.  Throws Error at the code's RD line on syntax errors and failing setup code.
	using Expander = std::function<std::string(std::string_view text, const SourcePos& pos)>;
	void add_apply(const ApplyDef& apply, const ProcDef* proc_def, const Expander& expand);
	bool has_applies() const;
	// The fallback compiler for this rowmaker's expressions (they share the row's vars dict).
	expr::FallbackCompiler fallback();

	// Per row, on a Python thread (inside run_batch): begin_row() once the raw fields are in
	// the slots; slot_changed() after each var; run_applies() runs the applies and copies the
	// vars they changed back into the slots.  It returns false when the code raised
	// IgnoreThisRow; other Python exceptions become Errors naming the apply and the RD line.
	// result_value() then gives what the applies put into `result` for the table's column
	// `column` (an index into the TableDef's columns): false when they set nothing.
	void begin_row(const expr::Scope& scope, std::span<expr::Value> slots);
	void slot_changed(int slot);
	bool run_applies();
	bool result_value(size_t column, expr::Value& out);

	// Runs `work` on a Python thread with the GIL (one hand-off per batch of rows).
	void run_batch(const std::function<void()>& work);

	struct Impl;

private:
	std::unique_ptr<Impl> impl_;
};

// Runs `work` on a Python thread (inline when already on one).  For callers that hold
// objects of this header across a batch of work.
void run_on_python_thread(const std::function<void()>& work);

} // namespace meles::rd::python
