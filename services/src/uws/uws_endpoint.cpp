#include "meles/services/uws/uws_endpoint.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/services/dali/error_status.hpp"
#include "meles/services/router/router.hpp"

#include <fstream>

namespace fs = std::filesystem;

namespace meles::services::uws {

namespace {

const char* kNs =
    "xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.1\"";

void element(std::string& out, std::string_view name, const std::optional<std::string>& value) {
	if (value) {
		out += concat("  <uws:", name, ">");
		append_xml_escaped(out, *value);
		out += concat("</uws:", name, ">\n");
	} else {
		out += concat("  <uws:", name, " xsi:nil=\"true\"/>\n");
	}
}

std::optional<std::string> iso(const std::optional<TimePoint>& t) {
	if (!t) return std::nullopt;
	return format_iso(*t);
}

} // namespace

UwsEndpoint::UwsEndpoint(JobManager& manager, std::string kind, std::string base_url, ParamLimits limits,
                         std::function<void(const Params&)> check)
    : manager_(manager), kind_(std::move(kind)), base_url_(std::move(base_url)), limits_(std::move(limits)),
      check_(std::move(check)) {}

std::string UwsEndpoint::job_document(const Job& j) const {
	std::string out = concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:job ", kNs, ">\n");
	element(out, "jobId", j.id);
	if (j.run_id) element(out, "runId", j.run_id);
	element(out, "ownerId", j.owner);
	element(out, "phase", std::string(phase_name(j.phase)));
	element(out, "quote", std::nullopt);
	element(out, "creationTime", format_iso(j.creation_time));
	element(out, "startTime", iso(j.start_time));
	element(out, "endTime", iso(j.end_time));
	element(out, "executionDuration", std::to_string(j.execution_duration));
	element(out, "destruction", format_iso(j.destruction));
	out += "  <uws:parameters>\n";
	for (auto& [k, v] : j.parameters) {
		out += "    <uws:parameter id=\"";
		append_xml_escaped(out, k);
		out += "\">";
		append_xml_escaped(out, v);
		out += "</uws:parameter>\n";
	}
	out += "  </uws:parameters>\n  <uws:results>\n";
	for (auto& r : j.results) {
		out += "    <uws:result id=\"";
		append_xml_escaped(out, r.id);
		out += "\" xlink:href=\"";
		append_xml_escaped(out, concat(job_url(j.id), "/results/", r.id));
		out += concat("\" size=\"", std::to_string(r.size), "\" mime-type=\"");
		append_xml_escaped(out, r.mime);
		out += "\"/>\n";
	}
	out += "  </uws:results>\n";
	if (j.phase == Phase::Error && j.error_message) {
		out +=
		    concat("  <uws:errorSummary type=\"", j.error_type, "\" hasDetail=\"true\">\n    <uws:message>");
		append_xml_escaped(out, *j.error_message);
		out += "</uws:message>\n  </uws:errorSummary>\n";
	}
	out += "</uws:job>\n";
	return out;
}

std::string UwsEndpoint::job_list_document(const std::vector<Job>& jobs) const {
	std::string out = concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:jobs ", kNs, ">\n");
	for (auto& j : jobs) {
		out += concat("  <uws:jobref id=\"", j.id, "\" xlink:href=\"");
		append_xml_escaped(out, job_url(j.id));
		out += concat("\">\n    <uws:phase>", phase_name(j.phase), "</uws:phase>\n");
		if (j.run_id) {
			out += "    <uws:runId>";
			append_xml_escaped(out, *j.run_id);
			out += "</uws:runId>\n";
		}
		if (j.owner) {
			out += "    <uws:ownerId>";
			append_xml_escaped(out, *j.owner);
			out += "</uws:ownerId>\n";
		}
		out += concat("    <uws:creationTime>", format_iso(j.creation_time),
		              "</uws:creationTime>\n  </uws:jobref>\n");
	}
	out += "</uws:jobs>\n";
	return out;
}

Job UwsEndpoint::load(const std::string& id, const std::optional<std::string>& owner) {
	auto j = manager_.store().get(kind_, id);
	// Another user's job is reported as missing: its existence is nobody else's business.
	if (!j || (j->owner && j->owner != owner))
		throw Error(ErrorKind::NotFound, concat("no job '", id, "' here"));
	return *j;
}

void UwsEndpoint::park_wait(net::Response& res, const std::string& id,
                            const std::optional<std::string>& owner, const std::string& client, Phase seen,
                            uint64_t since, std::chrono::steady_clock::time_point deadline) {
	auto key = std::make_shared<uint64_t>(0);
	auto left =
	    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
	// The resumption outlives this handler, and endpoints may live only as long as one (a user
	// table's index job): it takes a copy.
	auto self = std::make_shared<UwsEndpoint>(*this);
	auto wakeup = res.park(std::max(left, std::chrono::milliseconds(0)), [=](net::Response& r) {
		self->manager_.unwatch(id, *key);
		bool parked_again = false;
		try {
			uint64_t version = self->manager_.version(id);
			Job j = self->load(id, owner);
			// A change that left the phase as it was (the start time of an executing job, say)
			// does not end the wait.
			if (j.phase == seen && !r.client_gone() &&
			    std::chrono::steady_clock::now() + std::chrono::milliseconds(10) < deadline) {
				self->park_wait(r, id, owner, client, seen, version, deadline);
				parked_again = true;
				return;
			}
			self->manager_.end_client_wait(client);
			r.set_header("Content-Type", "text/xml; charset=utf-8");
			r.send(self->job_document(j));
		} catch (const Error& e) {
			if (!parked_again) self->manager_.end_client_wait(client);
			if (!r.client_gone() && !parked_again) send_error(r, e, ErrorStyle::Dali);
		}
	});
	// The resumption runs after this handler has returned, so it sees the key.
	*key = manager_.watch(id, since, [wakeup] { wakeup->wake(); });
}

void UwsEndpoint::redirect(net::Response& r, const std::string& url) {
	r.set_status(303);
	r.set_header("Location", url);
	r.set_header("Content-Type", "text/plain; charset=utf-8");
	r.send(concat("See ", url, "\n"));
}

void UwsEndpoint::text(net::Response& r, const std::string& body) {
	r.set_header("Content-Type", "text/plain; charset=utf-8");
	r.send(body);
}

void UwsEndpoint::handle(net::Request& req, net::Response& res, std::string_view subpath,
                         const std::optional<std::string>& owner) {
	bool get = req.method == "GET" || req.method == "HEAD";
	bool post = req.method == "POST";
	auto method_not_allowed = [&](const char* allow) {
		res.set_status(405);
		res.set_header("Allow", allow);
		text(res, concat(req.method, " is not allowed here; use ", allow, "\n"));
	};
	while (subpath.ends_with('/'))
		subpath.remove_suffix(1);

	// ---- the job list
	if (subpath.empty()) {
		if (get) {
			Params p = Params::from_request(req, limits_);
			JobFilter f;
			f.owner = owner;
			for (auto& ph : p.get_all("PHASE")) {
				auto parsed = parse_phase(ph);
				if (!parsed) throw Error(ErrorKind::Validation, concat("unknown PHASE '", ph, "'"));
				f.phases.push_back(*parsed);
			}
			if (auto a = p.get("AFTER")) {
				f.after = parse_iso(*a);
				if (!f.after)
					throw Error(ErrorKind::Validation,
					            concat("AFTER must be an ISO 8601 time, not '", *a, "'"));
			}
			if (p.has("LAST")) {
				f.last = parse_int_param(p, "LAST", 0);
				if (*f.last <= 0) throw Error(ErrorKind::Validation, "LAST must be a positive integer");
			}
			res.set_header("Content-Type", "text/xml; charset=utf-8");
			res.send(job_list_document(manager_.store().list(kind_, f)));
			return;
		}
		if (!post) return method_not_allowed("GET, POST");
		Params p = Params::from_request(req, limits_);
		if (check_) check_(p);
		// Uploaded parts keep their part name in the job directory (TAP's UPLOAD=t,param:<part>).
		std::vector<std::pair<fs::path, std::string>> files;
		for (auto& f : p.files())
			files.emplace_back(f.path, upload_file_name(f.name));
		Job j = manager_.create(kind_, p.all(), owner, files);
		p.release_files();
		if (auto ph = p.get("PHASE"); ph && iequals(*ph, "RUN")) manager_.run(kind_, j.id);
		redirect(res, job_url(j.id));
		return;
	}

	// ---- one job
	auto parts = split(subpath.substr(1), '/');
	const std::string& id = parts[0];
	std::string child = parts.size() > 1 ? parts[1] : "";
	Job job = load(id, owner);

	auto do_delete = [&] {
		manager_.destroy(kind_, id);
		redirect(res, base_url_ + "?LAST=10");
	};

	if (child.empty()) {
		if (req.method == "DELETE") return do_delete();
		if (get) {
			Params p = Params::from_request(req, limits_);
			if (p.has("WAIT")) {
				std::optional<Phase> phase;
				if (auto ph = p.get("PHASE")) {
					phase = parse_phase(*ph);
					if (!phase) throw Error(ErrorKind::Validation, concat("unknown PHASE '", *ph, "'"));
				}
				int64_t seconds = parse_int_param(p, "WAIT", 0);
				if (seconds < 0 || seconds > manager_.max_wait()) seconds = manager_.max_wait();
				// The version is read before the job: a change between the two still ends the wait.
				uint64_t since = manager_.version(id);
				job = load(id, owner);
				bool wait = seconds > 0 && is_active(job.phase) && (!phase || *phase == job.phase);
				// A wait holds no thread: the response is parked until the job changes.  Past its
				// share of waits a client is answered at once (UWS lets a server end a WAIT early).
				if (wait && manager_.begin_client_wait(req.remote)) {
					park_wait(res, id, owner, req.remote, job.phase, since,
					          std::chrono::steady_clock::now() + std::chrono::seconds(seconds));
					return;
				}
			}
			res.set_header("Content-Type", "text/xml; charset=utf-8");
			res.send(job_document(job));
			return;
		}
		if (!post) return method_not_allowed("GET, POST, DELETE");
		Params p = Params::from_request(req, limits_);
		if (auto a = p.get("ACTION")) {
			if (iequals(*a, "DELETE")) return do_delete();
			throw Error(ErrorKind::Validation, concat("unknown ACTION '", *a, "' (only DELETE is defined)"));
		}
		// Convenience: the job resource also takes PHASE, DESTRUCTION, EXECUTIONDURATION.
		child = p.has("PHASE")               ? "phase"
		        : p.has("DESTRUCTION")       ? "destruction"
		        : p.has("EXECUTIONDURATION") ? "executionduration"
		                                     : "";
		if (child.empty())
			throw Error(ErrorKind::Validation,
			            "POST to a job needs ACTION, PHASE, DESTRUCTION or EXECUTIONDURATION");
		req.query.clear();
		// fall through with the parameters already read
		if (child == "phase") {
			std::string ph = *p.get("PHASE");
			if (iequals(ph, "RUN"))
				manager_.run(kind_, id);
			else if (iequals(ph, "ABORT"))
				manager_.abort(kind_, id);
			else
				throw Error(ErrorKind::Validation, concat("PHASE must be RUN or ABORT, not '", ph, "'"));
		} else if (child == "destruction") {
			auto t = parse_iso(*p.get("DESTRUCTION"));
			if (!t) throw Error(ErrorKind::Validation, "DESTRUCTION must be an ISO 8601 time");
			if (*t < std::chrono::system_clock::now())
				throw Error(ErrorKind::Validation, "DESTRUCTION lies in the past");
			manager_.store().set_destruction(id, std::min(*t, job.destruction));
		} else {
			int64_t d = parse_int_param(p, "EXECUTIONDURATION", job.execution_duration);
			if (job.phase != Phase::Pending)
				throw Error(ErrorKind::Validation,
				            "the execution duration can only change while the job is PENDING");
			if (d <= 0 || d > manager_.default_execution_duration())
				d = manager_.default_execution_duration();
			manager_.store().set_execution_duration(id, d);
		}
		redirect(res, job_url(id));
		return;
	}

	if (child == "phase") {
		if (get) return text(res, std::string(phase_name(job.phase)));
		if (!post) return method_not_allowed("GET, POST");
		Params p = Params::from_request(req, limits_);
		auto ph = p.get("PHASE");
		if (!ph) throw Error(ErrorKind::Validation, "POST to phase needs PHASE=RUN or PHASE=ABORT");
		if (iequals(*ph, "RUN"))
			manager_.run(kind_, id);
		else if (iequals(*ph, "ABORT"))
			manager_.abort(kind_, id);
		else
			throw Error(ErrorKind::Validation, concat("PHASE must be RUN or ABORT, not '", *ph, "'"));
		return redirect(res, job_url(id));
	}
	if (child == "executionduration") {
		if (get) return text(res, std::to_string(job.execution_duration));
		if (!post) return method_not_allowed("GET, POST");
		Params p = Params::from_request(req, limits_);
		if (job.phase != Phase::Pending)
			throw Error(ErrorKind::Validation,
			            "the execution duration can only change while the job is PENDING");
		int64_t d = parse_int_param(p, "EXECUTIONDURATION", job.execution_duration);
		if (d <= 0 || d > manager_.default_execution_duration()) d = manager_.default_execution_duration();
		manager_.store().set_execution_duration(id, d);
		return redirect(res, job_url(id));
	}
	if (child == "destruction") {
		if (get) return text(res, format_iso(job.destruction));
		if (!post) return method_not_allowed("GET, POST");
		Params p = Params::from_request(req, limits_);
		auto v = p.get("DESTRUCTION");
		auto t = v ? parse_iso(*v) : std::nullopt;
		if (!t) throw Error(ErrorKind::Validation, "DESTRUCTION must be an ISO 8601 time");
		if (*t < std::chrono::system_clock::now())
			throw Error(ErrorKind::Validation, "DESTRUCTION lies in the past");
		// Clients may shorten a job's life, not extend it past what the server granted.
		manager_.store().set_destruction(id, std::min(*t, job.destruction));
		return redirect(res, job_url(id));
	}
	if (child == "parameters" && post) {
		Params p = Params::from_request(req, limits_);
		if (job.phase != Phase::Pending)
			throw Error(
			    ErrorKind::Validation,
			    concat("parameters can only change while the job is PENDING, not ", phase_name(job.phase)));
		auto params = job.parameters;
		auto run_id = job.run_id;
		for (auto& [k, v] : p.all()) {
			std::string key = to_upper(k);
			if (key == "RUNID") run_id = v;
			bool replaced = false;
			for (auto& [pk, pv] : params)
				if (pk == key) {
					pv = v;
					replaced = true;
				}
			if (!replaced) params.emplace_back(key, v);
		}
		manager_.store().set_parameters(id, params, run_id);
		return redirect(res, job_url(id));
	}
	if (!get) return method_not_allowed("GET");
	if (child == "quote") return text(res, "");
	if (child == "owner") return text(res, job.owner.value_or(""));
	if (child == "runId") return text(res, job.run_id.value_or(""));
	if (child == "error") {
		fs::path f = manager_.job_dir(id) / "error.xml";
		if (job.phase != Phase::Error)
			throw Error(ErrorKind::NotFound,
			            concat("job ", id, " has no error (phase ", phase_name(job.phase), ")"));
		std::string doc;
		if (std::ifstream in(f); in) {
			doc.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
		} else {
			// e.g. jobs marked ERROR at start-up after a crash: only the summary exists
			doc = dali_error_document(Error(ErrorKind::Io, job.error_message.value_or("the job failed")));
		}
		res.set_header("Content-Type", "application/x-votable+xml");
		res.send(doc);
		return;
	}
	if (child == "parameters") {
		std::string out = concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:parameters ", kNs, ">\n");
		for (auto& [k, v] : job.parameters) {
			out += "  <uws:parameter id=\"";
			append_xml_escaped(out, k);
			out += "\">";
			append_xml_escaped(out, v);
			out += "</uws:parameter>\n";
		}
		out += "</uws:parameters>\n";
		res.set_header("Content-Type", "text/xml; charset=utf-8");
		res.send(out);
		return;
	}
	if (child == "results") {
		if (parts.size() <= 2) {
			std::string out = concat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:results ", kNs, ">\n");
			for (auto& r : job.results) {
				out += concat("  <uws:result id=\"", r.id, "\" xlink:href=\"");
				append_xml_escaped(out, concat(job_url(id), "/results/", r.id));
				out += "\"/>\n";
			}
			out += "</uws:results>\n";
			res.set_header("Content-Type", "text/xml; charset=utf-8");
			res.send(out);
			return;
		}
		for (auto& r : job.results) {
			if (r.id != parts[2]) continue;
			std::ifstream in(manager_.job_dir(id) / r.file, std::ios::binary);
			if (!in) throw Error(ErrorKind::NotFound, concat("the result file of job ", id, " is gone"));
			res.set_header("Content-Type", r.mime);
			ByteSink& out = res.stream();
			std::vector<char> buf(256 * 1024);
			while (in) {
				in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
				if (in.gcount() > 0) out.write({buf.data(), static_cast<size_t>(in.gcount())});
			}
			res.finish();
			return;
		}
		throw Error(ErrorKind::NotFound, concat("job ", id, " has no result '", parts[2], "'"));
	}
	throw Error(ErrorKind::NotFound, concat("a UWS job has no '", child, "'"));
}

} // namespace meles::services::uws
