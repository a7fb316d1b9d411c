// meles/services/uws/uws_endpoint.hpp — the UWS 1.1 REST interface over a JobManager:
// job list (PHASE/AFTER/LAST filters), creation (PHASE=RUN accepted right away), the job
// document with WAIT long-polling (parked on the transport's event loop, no thread per
// waiting client), and the children phase, executionduration,
// destruction, error, quote, results, parameters, owner, runId.  State-changing
// requests answer 303 See Other; a deleted job redirects to a short job list.
// Thread-safety: handle() is called concurrently.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/services/dali/params.hpp"
#include "meles/services/uws/job_manager.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace meles::services::uws {

class UwsEndpoint {
public:
	// `base_url` is the public URL of the job list (e.g. http://host/tap/async).
	// `check` validates the parameters of a new job before it is created (may throw).
	UwsEndpoint(JobManager& manager, std::string kind, std::string base_url, ParamLimits limits,
	            std::function<void(const Params&)> check = {});

	// `subpath` is what follows the job list URL ("", "/ID", "/ID/phase", ...).
	void handle(net::Request& request, net::Response& response, std::string_view subpath,
	            const std::optional<std::string>& owner);

	std::string job_url(const std::string& id) const {
		return job_url_ ? job_url_(id) : base_url_ + "/" + id;
	}
	// Replaces base_url/ID as the URL of a job, for resources showing one job at a fixed URL
	// (a user table's index job at .../user_tables/NAME/index).
	void set_job_url(std::function<std::string(const std::string& id)> f) { job_url_ = std::move(f); }
	std::string job_document(const Job& job) const;
	std::string job_list_document(const std::vector<Job>& jobs) const;

private:
	Job load(const std::string& id, const std::optional<std::string>& owner);
	void redirect(net::Response& r, const std::string& url);
	void text(net::Response& r, const std::string& body);
	// Parks `res` until job `id` leaves phase `seen` (watching for changes after version
	// `since`) or `deadline`; then answers the job document.
	void park_wait(net::Response& res, const std::string& id, const std::optional<std::string>& owner,
	               const std::string& client, Phase seen, uint64_t since,
	               std::chrono::steady_clock::time_point deadline);

	JobManager& manager_;
	std::string kind_;
	std::string base_url_;
	ParamLimits limits_;
	std::function<void(const Params&)> check_;
	std::function<std::string(const std::string&)> job_url_;
};

} // namespace meles::services::uws
