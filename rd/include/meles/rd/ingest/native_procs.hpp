// meles/rd/ingest/native_procs.hpp — procedures of system RDs that Meles runs natively, keyed
// by procDef reference ("//products#define"), and how any procedure application (rowfilter,
// rowmaker apply, sourceFields) runs in this build.
//
// The rowmaker asks this registry first for every application; one that is not here and has
// Python code goes to the Python runtime (or, without one, was refused by the loader).  A
// native procedure is declarative: from the application's binds and the procDef's parameter
// defaults it makes expressions that assign record fields (row filters: the prodtbl* keys of
// //products#define) or vars and columns (applies); the rowmaker compiles them like its own.
// Thread-safety: the registry is immutable; all functions are safe to call concurrently.
#pragma once

#include "meles/rd/model/data_desc.hpp"
#include "meles/rd/model/proc_def.hpp"

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace meles::rd {
class RdStore;
struct Resource;
} // namespace meles::rd

namespace meles::rd::ingest {

struct NativeAssignment {
	enum class Target {
		Field,  // a value of the record (@name), before the rowmaker's vars
		Column, // a column of the row (explicit maps still win)
	};
	Target target = Target::Field;
	std::string name;
	Expr expr; // row macros still in it; the rowmaker expands them per source
};

struct NativeProc {
	std::string_view ref;  // qualified procDef reference
	std::string_view type; // rowfilter, apply, ...
	std::string_view summary;
	// What an application does, from its binds and `definition`'s parameter defaults.  Throws
	// Error(Validation) at the application for a parameter that has neither.
	std::vector<NativeAssignment> (*expand)(const ApplyDef& application, const ProcDef& definition);
};

std::span<const NativeProc> native_procs();
const NativeProc* find_native_proc(std::string_view ref);

// The procDef a qualified reference names ("//products#define", "my/rd#fix"; a bare id is one of
// `rd`'s); nullptr if none.
using ProcResolver = std::function<const ProcDef*(std::string_view qualified_ref)>;
// Resolves through the store; `rd` answers references into itself (it may not be cached).
ProcResolver store_proc_resolver(RdStore& store, const Resource& rd);

// How an application runs here.
enum class ProcRunner {
	Native,  // this registry
	Python,  // Python code (inline or the procDef's): the loader reports it without a runtime
	Nothing, // no code, and no procDef or one without parameters: does nothing
	Missing, // a procDef without code that Meles does not implement
};
ProcRunner runner_of(const ApplyDef& application, const ProcDef* definition);

} // namespace meles::rd::ingest
