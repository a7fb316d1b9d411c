// meles/rd/python/rd_code.hpp — RD code that runs outside rowmakers and grammars: while an
// RD loads (LOOP codeItems, mixin processEarly/processLate), at table lifecycle points
// (script lang="python"), as execute jobs, and as pythonCore services.
//
// Every entry point hands the code to a Python thread and waits (see runtime.hpp); errors
// come back as meles::Error naming the RD file and the line of the failing code line.
// Thread-safety: any thread.
#pragma once

#include "meles/core/common/column_meta.hpp"
#include "meles/core/common/error.hpp"
#include "meles/rd/expr/value.hpp"
#include "meles/rd/model/source_text.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meles::pg {
class Connection;
}

namespace meles::rd {
struct Resource;
struct TableDef;
struct Column;
struct ScriptDef;
struct ExecuteDef;
struct ServiceDef;
struct RegTest;
namespace regtest {
struct HttpRequest;
}
} // namespace meles::rd

namespace meles::rd::python {

// ------------------------------------------------------------------ while an RD loads

// What `context.resolveId(ref)` finds while an RD loads: a table, or a column of one.
struct Resolved {
	const TableDef* table = nullptr;
	const Column* column = nullptr;
};
struct LoadHooks {
	std::string rd_id;
	// "rd#table", "rd#table.column", "table" (this RD, as far as it is parsed); throws Error or
	// returns an empty Resolved when there is nothing of that name.
	std::function<Resolved(std::string_view ref)> resolve;
};

// LOOP codeItems: the rows (dicts of strings; values become macros) the generator body
// yields; `context` is the load (resolveId), `base` and `utils` are DaCHS's.
std::vector<std::map<std::string, std::string>> loop_items(const PythonCode& code, const LoadHooks& hooks);

// mixinDef processEarly (late=false: context, substrate, mixinPars) and processLate
// (substrate, root, context, mixinPars).  substrate is a view of the table being built; meta
// the code sets on it (substrate.setMeta) is returned for the loader to apply.
struct MixinProcResult {
	std::vector<std::pair<std::string, std::string>> meta;
};
MixinProcResult run_mixin_proc(const PythonCode& code, bool late, const TableDef& table,
                               const std::map<std::string, std::string>& mixin_pars, const LoadHooks& hooks);

// ------------------------------------------------------------------ imports

// script lang="python" on a table or make: `table` is the table being made (tableDef, the
// relation it is written to as getQName(), and the import's connection, which RD code may
// use but not commit: the import stays one transaction).
struct ScriptContext {
	std::shared_ptr<const Resource> rd;
	const TableDef* table = nullptr;
	std::string relation;                 // schema.name the rows go to (the new table during imp)
	pg::Connection* connection = nullptr; // the importer's
};
void run_script(const ScriptDef& script, const ScriptContext& context);

// ------------------------------------------------------------------ execute jobs

// Runs an execute element's job (rd, execDef).  Stops it with TimeoutError after `limit`
// (0: [python] jobTimeLimit) when it runs Python code that long.  Throws Error naming the RD,
// the job title and the failing RD line.
void run_job(const std::shared_ptr<const Resource>& rd, const ExecuteDef& job,
             std::chrono::seconds limit = std::chrono::seconds(0));
// The jobs with on="loaded".  They run (once per loaded RD, before any other code of that RD
// sees `rd`) when the RD's Python object is first made; failures are logged, not thrown.
std::vector<const ExecuteDef*> loaded_jobs(const Resource& rd);
void ensure_loaded(const std::shared_ptr<const Resource>& rd);
// Told the outcome of every on="loaded" job (error null: it succeeded), for the scheduler's
// records.  Called on a Python thread with the GIL held: it must only note the outcome and
// return (no database, no waiting).  One observer; an empty function removes it.
using LoadedJobObserver =
    std::function<void(const std::string& rd_id, const ExecuteDef& job,
                       std::chrono::system_clock::time_point started, const Error* error)>;
void set_loaded_job_observer(LoadedJobObserver observer);

// ------------------------------------------------------------------ pythonCore services

struct CoreInput {
	std::map<std::string, expr::Value> params;                // inputKeys, typed
	std::map<std::string, std::vector<std::string>> raw_args; // the request's arguments
	std::string format = "votable";
	std::optional<long long> limit;
};
struct CoreOutput {
	bool is_data = false; // (mime, data) answer; otherwise a table
	std::string mime;
	std::string data;
	std::vector<ColumnMeta> columns;
	std::vector<std::vector<expr::Value>> rows;
};
// Runs the pythonCore of `service` (its coreProc) with the given input.  Errors of the code
// are Errors naming the RD line; DaCHS's service exceptions map to kinds (UnknownURI ->
// NotFound, ForbiddenURI/Authenticate -> Permission, ValidationError -> Validation).
CoreOutput run_core(const std::shared_ptr<const Resource>& rd, const ServiceDef& service,
                    const CoreInput& input);

// ------------------------------------------------------------------ regression tests

// One regTest of `meles test`: its request (none: the code runs without one), how long the
// request and the code may each take, and whether its suite is sequential (then the code may
// call pointNextToLocation).
struct RegTestCall {
	const RegTest* test = nullptr;
	const regtest::HttpRequest* request = nullptr;
	std::chrono::seconds timeout{15};
	bool sequential = false;
	std::string credentials_file; // for httpAuthKey: "key user password" lines
};
struct RegTestOutcome {
	enum class Status { Ok, Fail, Error };
	Status status = Status::Ok;
	std::string message; // the assertion's or the exception's message
	SourcePos where;     // the RD line of the failing code line (else the regTest's)
	std::optional<int> http_status;
	std::string url;                      // the URL fetched last (after redirects)
	std::optional<std::string> next_base; // pointNextToLocation: the next test's URL
	std::string data_excerpt;             // start of the response, for failures
};
// Fetches the request and runs the test's code with `self` (meles_rt.regtest.RegTest).  Never
// throws for what the test or the server does: a failed assertion is Fail, anything else
// (no answer in time, an exception in the code, code running past the timeout) is Error.
RegTestOutcome run_regtest(const std::shared_ptr<const Resource>& rd, const RegTestCall& call);

} // namespace meles::rd::python
