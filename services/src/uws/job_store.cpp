#include "meles/services/uws/job_store.hpp"

#include "meles/core/common/strings.hpp"

#include <cmath>

namespace meles::services::uws {

namespace {

std::string ts(TimePoint t) {
	return format_iso(t, true);
}

std::optional<TimePoint> parse_ts(const pg::Result& r, int row, int col) {
	if (r.is_null(row, col)) return std::nullopt;
	return parse_iso(r.get(row, col));
}

const char* kColumns = "job_id, kind, owner, run_id, phase, "
                       "to_char(creation_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                       "to_char(start_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                       "to_char(end_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                       "execution_duration, "
                       "to_char(destruction AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "
                       "error_message, error_type";

Job job_from_row(const pg::Result& r, int i) {
	Job j;
	j.id = r.get(i, 0);
	j.kind = r.get(i, 1);
	j.owner = r.get_optional(i, 2);
	j.run_id = r.get_optional(i, 3);
	j.phase = parse_phase(r.get(i, 4)).value_or(Phase::Unknown);
	j.creation_time = parse_ts(r, i, 5).value_or(TimePoint{});
	j.start_time = parse_ts(r, i, 6);
	j.end_time = parse_ts(r, i, 7);
	j.execution_duration = r.get_int(i, 8);
	j.destruction = parse_ts(r, i, 9).value_or(TimePoint{});
	j.error_message = r.get_optional(i, 10);
	j.error_type = r.get_optional(i, 11).value_or("fatal");
	return j;
}

} // namespace

void JobStore::ensure_schema() {
	auto c = pool_.acquire();
	c->exec(R"(
CREATE TABLE IF NOT EXISTS meles.uws_jobs (
	job_id text PRIMARY KEY,
	kind text NOT NULL,
	owner text,
	run_id text,
	phase text NOT NULL,
	creation_time timestamptz NOT NULL,
	start_time timestamptz,
	end_time timestamptz,
	execution_duration bigint NOT NULL,
	destruction timestamptz NOT NULL,
	error_message text,
	error_type text
);
CREATE INDEX IF NOT EXISTS uws_jobs_kind_created ON meles.uws_jobs (kind, creation_time);
CREATE INDEX IF NOT EXISTS uws_jobs_destruction ON meles.uws_jobs (destruction);
CREATE TABLE IF NOT EXISTS meles.uws_parameters (
	job_id text NOT NULL REFERENCES meles.uws_jobs ON DELETE CASCADE,
	pos integer NOT NULL,
	name text NOT NULL,
	value text NOT NULL,
	PRIMARY KEY (job_id, pos)
);
CREATE TABLE IF NOT EXISTS meles.uws_results (
	job_id text NOT NULL REFERENCES meles.uws_jobs ON DELETE CASCADE,
	result_id text NOT NULL,
	mime text NOT NULL,
	file text NOT NULL,
	size bigint NOT NULL,
	PRIMARY KEY (job_id, result_id)
);
)");
}

void JobStore::insert(const Job& job) {
	auto c = pool_.acquire();
	c->begin();
	c->exec_params(
	    "INSERT INTO meles.uws_jobs (job_id, kind, owner, run_id, phase, creation_time, execution_duration, "
	    "destruction) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    {job.id, job.kind, job.owner, job.run_id, std::string(phase_name(job.phase)), ts(job.creation_time),
	     std::to_string(job.execution_duration), ts(job.destruction)});
	int pos = 0;
	for (auto& [k, v] : job.parameters)
		c->exec_params("INSERT INTO meles.uws_parameters VALUES ($1, $2, $3, $4)",
		               {job.id, std::to_string(pos++), k, v});
	c->commit();
}

std::optional<Job> JobStore::get_any(const std::string& id) {
	std::string kind;
	{
		auto c = pool_.acquire();
		auto r = c->exec_params("SELECT kind FROM meles.uws_jobs WHERE job_id = $1", {id});
		if (r.rows() == 0) return std::nullopt;
		kind = r.get(0, 0);
	}
	return get(kind, id);
}

std::optional<Job> JobStore::get(const std::string& kind, const std::string& id) {
	auto c = pool_.acquire();
	auto r = c->exec_params(
	    concat("SELECT ", kColumns, " FROM meles.uws_jobs WHERE job_id = $1 AND kind = $2"), {id, kind});
	if (r.rows() == 0) return std::nullopt;
	Job j = job_from_row(r, 0);
	auto p =
	    c->exec_params("SELECT name, value FROM meles.uws_parameters WHERE job_id = $1 ORDER BY pos", {id});
	for (int i = 0; i < p.rows(); ++i)
		j.parameters.emplace_back(p.get(i, 0), p.get(i, 1));
	auto res = c->exec_params(
	    "SELECT result_id, mime, file, size FROM meles.uws_results WHERE job_id = $1 ORDER BY result_id",
	    {id});
	for (int i = 0; i < res.rows(); ++i)
		j.results.push_back({res.get(i, 0), res.get(i, 1), res.get(i, 2), res.get_int(i, 3)});
	return j;
}

std::vector<Job> JobStore::list(const std::string& kind, const JobFilter& f) {
	std::string sql = concat("SELECT ", kColumns, " FROM meles.uws_jobs WHERE kind = $1");
	std::vector<std::optional<std::string>> params{kind};
	if (f.owner) {
		params.push_back(*f.owner);
		sql += concat(" AND owner = $", std::to_string(params.size()));
	} else {
		sql += " AND owner IS NULL";
	}
	if (!f.phases.empty()) {
		std::string list;
		for (auto p : f.phases) {
			params.push_back(std::string(phase_name(p)));
			list += (list.empty() ? "$" : ", $") + std::to_string(params.size());
		}
		sql += concat(" AND phase IN (", list, ")");
	}
	if (f.after) {
		params.push_back(ts(*f.after));
		sql += concat(" AND creation_time > $", std::to_string(params.size()));
	}
	sql += " ORDER BY creation_time DESC, job_id";
	if (f.last) sql += concat(" LIMIT ", std::to_string(*f.last));
	auto c = pool_.acquire();
	auto r = c->exec_params(sql, params);
	std::vector<Job> out;
	out.reserve(static_cast<size_t>(r.rows()));
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(job_from_row(r, i));
	return out;
}

bool JobStore::transition(const std::string& id, Phase from, Phase to) {
	auto c = pool_.acquire();
	auto r = c->exec_params("UPDATE meles.uws_jobs SET phase = $3 WHERE job_id = $1 AND phase = $2",
	                        {id, std::string(phase_name(from)), std::string(phase_name(to))});
	return r.affected_rows() == 1;
}

void JobStore::set_phase(const std::string& id, Phase to) {
	auto c = pool_.acquire();
	c->exec_params("UPDATE meles.uws_jobs SET phase = $2 WHERE job_id = $1",
	               {id, std::string(phase_name(to))});
}

void JobStore::set_started(const std::string& id) {
	auto c = pool_.acquire();
	c->exec_params("UPDATE meles.uws_jobs SET start_time = now() WHERE job_id = $1", {id});
}

void JobStore::finish(const std::string& id, Phase phase, const std::vector<JobResult>& results,
                      const std::optional<std::string>& error, const std::string& error_type) {
	auto c = pool_.acquire();
	c->begin();
	c->exec_params(
	    "UPDATE meles.uws_jobs SET phase = $2, end_time = now(), error_message = $3, error_type = $4 "
	    "WHERE job_id = $1",
	    {id, std::string(phase_name(phase)), error, error_type});
	c->exec_params("DELETE FROM meles.uws_results WHERE job_id = $1", {id});
	for (auto& r : results)
		c->exec_params("INSERT INTO meles.uws_results SELECT $1, $2, $3, $4, $5 WHERE EXISTS "
		               "(SELECT 1 FROM meles.uws_jobs WHERE job_id = $1)",
		               {id, r.id, r.mime, r.file, std::to_string(r.size)});
	c->commit();
}

void JobStore::set_parameters(const std::string& id,
                              const std::vector<std::pair<std::string, std::string>>& params,
                              const std::optional<std::string>& run_id) {
	auto c = pool_.acquire();
	c->begin();
	c->exec_params("DELETE FROM meles.uws_parameters WHERE job_id = $1", {id});
	int pos = 0;
	for (auto& [k, v] : params)
		c->exec_params("INSERT INTO meles.uws_parameters VALUES ($1, $2, $3, $4)",
		               {id, std::to_string(pos++), k, v});
	c->exec_params("UPDATE meles.uws_jobs SET run_id = $2 WHERE job_id = $1", {id, run_id});
	c->commit();
}

void JobStore::set_destruction(const std::string& id, TimePoint when) {
	auto c = pool_.acquire();
	c->exec_params("UPDATE meles.uws_jobs SET destruction = $2 WHERE job_id = $1", {id, ts(when)});
}

void JobStore::set_execution_duration(const std::string& id, int64_t seconds) {
	auto c = pool_.acquire();
	c->exec_params("UPDATE meles.uws_jobs SET execution_duration = $2 WHERE job_id = $1",
	               {id, std::to_string(seconds)});
}

void JobStore::remove(const std::string& id) {
	auto c = pool_.acquire();
	c->exec_params("DELETE FROM meles.uws_jobs WHERE job_id = $1", {id});
}

std::vector<std::string> JobStore::expired(TimePoint now) {
	auto c = pool_.acquire();
	auto r = c->exec_params("SELECT job_id FROM meles.uws_jobs WHERE destruction < $1", {ts(now)});
	std::vector<std::string> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(r.get(i, 0));
	return out;
}

std::vector<std::pair<std::string, std::string>> JobStore::recover() {
	auto c = pool_.acquire();
	c->exec("UPDATE meles.uws_jobs SET phase = 'ERROR', end_time = now(), error_type = 'transient', "
	        "error_message = "
	        "'The service was restarted while this job was executing; please submit it again.' "
	        "WHERE phase = 'EXECUTING'");
	auto r = c->exec("SELECT kind, job_id FROM meles.uws_jobs WHERE phase = 'QUEUED' ORDER BY creation_time");
	std::vector<std::pair<std::string, std::string>> out;
	for (int i = 0; i < r.rows(); ++i)
		out.emplace_back(r.get(i, 0), r.get(i, 1));
	return out;
}

} // namespace meles::services::uws
