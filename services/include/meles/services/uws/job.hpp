// meles/services/uws/job.hpp — a UWS 1.1 job as stored and as shown to clients.
// Thread-safety: plain value types.
#pragma once

#include "meles/core/common/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace meles::services::uws {

enum class Phase {
	Pending,
	Queued,
	Executing,
	Completed,
	Error,
	Aborted,
	Unknown,
	Held,
	Suspended,
	Archived
};

std::string_view phase_name(Phase p);
std::optional<Phase> parse_phase(std::string_view name);
// PENDING, QUEUED, EXECUTING: the job may still change by itself or by RUN.
bool is_active(Phase p);

struct JobResult {
	std::string id;   // "result"
	std::string mime; // content type of the file
	std::string file; // file name in the job directory
	int64_t size = 0;
};

struct Job {
	std::string id;
	std::string kind; // which service runs it ("tap")
	std::optional<std::string> owner;
	std::optional<std::string> run_id;
	Phase phase = Phase::Pending;
	TimePoint creation_time;
	std::optional<TimePoint> start_time, end_time;
	int64_t execution_duration = 0; // seconds; 0 = unlimited
	TimePoint destruction;
	std::vector<std::pair<std::string, std::string>> parameters; // names upper-cased
	std::vector<JobResult> results;
	std::optional<std::string> error_message;
	std::string error_type = "fatal"; // or "transient"

	std::optional<std::string> parameter(std::string_view name) const;
};

} // namespace meles::services::uws
