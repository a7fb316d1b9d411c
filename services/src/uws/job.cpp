#include "meles/services/uws/job.hpp"

#include "meles/core/common/strings.hpp"

namespace meles::services::uws {

namespace {
constexpr std::pair<Phase, std::string_view> kPhases[] = {
    {Phase::Pending, "PENDING"},     {Phase::Queued, "QUEUED"}, {Phase::Executing, "EXECUTING"},
    {Phase::Completed, "COMPLETED"}, {Phase::Error, "ERROR"},   {Phase::Aborted, "ABORTED"},
    {Phase::Unknown, "UNKNOWN"},     {Phase::Held, "HELD"},     {Phase::Suspended, "SUSPENDED"},
    {Phase::Archived, "ARCHIVED"},
};
}

std::string_view phase_name(Phase p) {
	for (auto& [ph, name] : kPhases)
		if (ph == p) return name;
	return "UNKNOWN";
}

std::optional<Phase> parse_phase(std::string_view name) {
	for (auto& [ph, n] : kPhases)
		if (iequals(n, name)) return ph;
	return std::nullopt;
}

bool is_active(Phase p) {
	return p == Phase::Pending || p == Phase::Queued || p == Phase::Executing;
}

std::optional<std::string> Job::parameter(std::string_view name) const {
	for (auto& [k, v] : parameters)
		if (iequals(k, name)) return v;
	return std::nullopt;
}

} // namespace meles::services::uws
