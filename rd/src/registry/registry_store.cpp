#include "meles/rd/registry/registry_store.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/core/pg/copy_out.hpp"

#include <cstring>
#include <map>

namespace meles::rd::registry {

namespace {

// Content fingerprint of a record (FNV-1a, 64 bits): tells a changed record from an
// unchanged one without keeping the previous text twice.
std::string fingerprint(const RecordToStore& r) {
	uint64_t h = 1469598103934665603ULL;
	auto feed = [&h](std::string_view s) {
		for (unsigned char c : s) {
			h ^= c;
			h *= 1099511628211ULL;
		}
		h ^= 0xff; // field separator
		h *= 1099511628211ULL;
	};
	feed(r.ivoid);
	feed(r.res_id);
	feed(r.res_type);
	feed(r.title);
	feed(join(r.sets, " "));
	feed(r.ivo_vor);
	feed(r.oai_dc);
	char buf[24];
	std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
	return buf;
}

std::string pg_array(const std::vector<std::string>& items) {
	std::string out = "{";
	for (size_t i = 0; i < items.size(); ++i) {
		if (i) out += ',';
		out += '"';
		for (char c : items[i]) {
			if (c == '"' || c == '\\') out += '\\';
			out += c;
		}
		out += '"';
	}
	return out + "}";
}

std::string replace_all(std::string s, std::string_view what, std::string_view with) {
	for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + with.size()))
		s.replace(p, what.size(), with);
	return s;
}

constexpr const char* kDatestamp = "to_char(datestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";

std::string where_clause(const RecordQuery& q) {
	std::vector<std::string> conds;
	if (q.set) conds.push_back(concat(pg::quote_literal(*q.set), " = ANY(sets)"));
	if (q.from)
		conds.push_back(concat("datestamp >= ", pg::quote_literal(format_iso(*q.from)), "::timestamptz"));
	if (q.until)
		conds.push_back(concat("datestamp <= ", pg::quote_literal(format_iso(*q.until)), "::timestamptz"));
	if (q.identifier) conds.push_back(concat("key = ", pg::quote_literal(record_key(*q.identifier))));
	if (!q.after.empty()) conds.push_back(concat("key > ", pg::quote_literal(q.after)));
	return conds.empty() ? std::string() : " WHERE " + join(conds, " AND ");
}

// Reads the text fields of one tuple of binary COPY output.
class TupleReader {
public:
	// Returns false for the trailer.  Throws on data it does not understand.
	bool read(std::string_view msg, std::vector<std::string_view>& fields) {
		size_t p = 0;
		if (!header_seen_) {
			static constexpr char sig[] = "PGCOPY\n\377\r\n";
			if (msg.size() < 19 || std::memcmp(msg.data(), sig, 11) != 0)
				throw Error(ErrorKind::Database, "unexpected COPY data");
			uint32_t ext = be32(msg.data() + 15);
			p = 19 + ext;
			header_seen_ = true;
			if (p == msg.size()) return false;
		}
		if (p + 2 > msg.size()) throw Error(ErrorKind::Database, "truncated COPY data");
		int16_t n = static_cast<int16_t>(be16(msg.data() + p));
		p += 2;
		if (n < 0) return false;
		fields.clear();
		for (int i = 0; i < n; ++i) {
			if (p + 4 > msg.size()) throw Error(ErrorKind::Database, "truncated COPY data");
			int32_t len = static_cast<int32_t>(be32(msg.data() + p));
			p += 4;
			if (len < 0) {
				fields.emplace_back();
				continue;
			}
			if (p + static_cast<size_t>(len) > msg.size())
				throw Error(ErrorKind::Database, "truncated COPY data");
			fields.emplace_back(msg.data() + p, static_cast<size_t>(len));
			p += static_cast<size_t>(len);
		}
		return true;
	}

private:
	static uint32_t be32(const char* d) {
		auto u = reinterpret_cast<const unsigned char*>(d);
		return (uint32_t(u[0]) << 24) | (uint32_t(u[1]) << 16) | (uint32_t(u[2]) << 8) | uint32_t(u[3]);
	}
	static uint16_t be16(const char* d) {
		auto u = reinterpret_cast<const unsigned char*>(d);
		return static_cast<uint16_t>((u[0] << 8) | u[1]);
	}
	bool header_seen_ = false;
};

} // namespace

std::string record_key(std::string_view ivoid) {
	return to_lower(trim(ivoid));
}

void ensure_registry_tables(pg::Connection& conn, const std::string& read_role) {
	conn.exec(R"(CREATE SCHEMA IF NOT EXISTS meles;
CREATE TABLE IF NOT EXISTS meles.resources (
	key text PRIMARY KEY,
	ivoid text NOT NULL,
	rd_id text NOT NULL,
	res_id text NOT NULL,
	res_type text NOT NULL,
	title text NOT NULL,
	sets text[] NOT NULL,
	deleted boolean NOT NULL DEFAULT false,
	datestamp timestamptz NOT NULL,
	first_published timestamptz NOT NULL,
	fingerprint text NOT NULL,
	ivo_vor text NOT NULL,
	oai_dc text NOT NULL
);
CREATE INDEX IF NOT EXISTS resources_rd ON meles.resources (rd_id);
CREATE INDEX IF NOT EXISTS resources_datestamp ON meles.resources (datestamp);)");
	// The OAI-PMH endpoint reads records with the web role; it may see nothing else of the
	// meles schema (USAGE alone grants no table).
	std::string role = pg::quote_ident(read_role);
	conn.exec(concat("GRANT USAGE ON SCHEMA meles TO ", role, "; GRANT SELECT ON meles.resources TO ", role));
}

StoreOutcome store_records(pg::Connection& conn, const std::string& rd_id,
                           const std::vector<RecordToStore>& records, TimePoint now) {
	StoreOutcome out;
	std::string stamp = format_iso(now);
	// what the RD has now: key -> (fingerprint, deleted)
	std::map<std::string, std::pair<std::string, bool>> old;
	auto r =
	    conn.exec_params("SELECT key, fingerprint, deleted FROM meles.resources WHERE rd_id = $1", {rd_id});
	for (int i = 0; i < r.rows(); ++i)
		old[r.get(i, 0)] = {r.get(i, 1), r.get(i, 2) == "t"};
	std::map<std::string, bool> kept;
	for (auto& rec : records) {
		std::string key = record_key(rec.ivoid);
		kept[key] = true;
		std::string fp = fingerprint(rec);
		auto it = old.find(key);
		if (it != old.end() && it->second.first == fp && !it->second.second) {
			out.unchanged.push_back(rec.ivoid);
			continue;
		}
		std::string vor = replace_all(rec.ivo_vor, kUpdatedPlaceholder, stamp);
		conn.exec_params(
		    "INSERT INTO meles.resources (key, ivoid, rd_id, res_id, res_type, title, sets, deleted, "
		    "datestamp, "
		    "first_published, fingerprint, ivo_vor, oai_dc) VALUES "
		    "($1,$2,$3,$4,$5,$6,$7,false,$8,$8,$9,$10,$11) "
		    "ON CONFLICT (key) DO UPDATE SET ivoid = EXCLUDED.ivoid, rd_id = EXCLUDED.rd_id, res_id = "
		    "EXCLUDED.res_id, "
		    "res_type = EXCLUDED.res_type, title = EXCLUDED.title, sets = EXCLUDED.sets, deleted = false, "
		    "datestamp = EXCLUDED.datestamp, fingerprint = EXCLUDED.fingerprint, ivo_vor = EXCLUDED.ivo_vor, "
		    "oai_dc = EXCLUDED.oai_dc",
		    {key, rec.ivoid, rd_id, rec.res_id, rec.res_type, rec.title, pg_array(rec.sets), stamp, fp, vor,
		     rec.oai_dc});
		(it == old.end() || it->second.second ? out.added : out.changed).push_back(rec.ivoid);
	}
	for (auto& [key, state] : old) {
		if (kept.count(key) || state.second) continue;
		auto d = conn.exec_params(
		    "UPDATE meles.resources SET deleted = true, datestamp = $2 WHERE key = $1 RETURNING ivoid",
		    {key, stamp});
		if (d.rows()) out.deleted.push_back(d.get(0, 0));
	}
	return out;
}

std::vector<std::string> unpublish(pg::Connection& conn, const std::string& rd_id, TimePoint now) {
	auto r = conn.exec_params(
	    "UPDATE meles.resources SET deleted = true, datestamp = $2 WHERE rd_id = $1 AND NOT deleted "
	    "RETURNING ivoid",
	    {rd_id, format_iso(now)});
	std::vector<std::string> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(r.get(i, 0));
	return out;
}

std::vector<std::pair<std::string, std::string>> owners(pg::Connection& conn, const std::string& rd_id,
                                                        const std::vector<std::string>& ivoids) {
	std::vector<std::string> keys;
	for (auto& i : ivoids)
		keys.push_back(record_key(i));
	auto r = conn.exec_params(
	    "SELECT ivoid, rd_id FROM meles.resources WHERE key = ANY($1::text[]) AND rd_id <> $2 "
	    "AND NOT deleted ORDER BY key",
	    {pg_array(keys), rd_id});
	std::vector<std::pair<std::string, std::string>> out;
	for (int i = 0; i < r.rows(); ++i)
		out.emplace_back(r.get(i, 0), r.get(i, 1));
	return out;
}

std::vector<std::string> published_rds(pg::Connection& conn) {
	auto r = conn.exec("SELECT DISTINCT rd_id FROM meles.resources WHERE NOT deleted ORDER BY rd_id");
	std::vector<std::string> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(r.get(i, 0));
	return out;
}

bool is_published(pg::Connection& conn, const std::string& rd_id) {
	return conn.exec_params("SELECT 1 FROM meles.resources WHERE rd_id = $1 AND NOT deleted LIMIT 1", {rd_id})
	           .rows() > 0;
}

std::optional<TimePoint> first_published(pg::Connection& conn, std::string_view ivoid) {
	auto r = conn.exec_params(
	    concat("SELECT to_char(first_published AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	           "FROM meles.resources WHERE key = $1"),
	    {record_key(ivoid)});
	if (!r.rows()) return std::nullopt;
	return parse_iso(r.get(0, 0));
}

size_t for_each_record(pg::Connection& conn, const RecordQuery& q,
                       const std::function<void(const RecordView&)>& each) {
	std::string metadata = q.metadata_prefix == "ivo_vor"  ? "ivo_vor"
	                       : q.metadata_prefix == "oai_dc" ? "oai_dc"
	                                                       : "''";
	std::string sql = concat("COPY (SELECT ivoid, ", kDatestamp,
	                         ", array_to_string(sets, ' '), "
	                         "CASE WHEN deleted THEN 't' ELSE 'f' END, CASE WHEN deleted THEN '' ELSE ",
	                         metadata, " END FROM meles.resources", where_clause(q), " ORDER BY key LIMIT ",
	                         std::to_string(q.limit), ") TO STDOUT (FORMAT binary)");
	pg::CopyOut copy(conn, sql);
	TupleReader reader;
	std::vector<std::string_view> f;
	size_t n = 0;
	while (auto msg = copy.next()) {
		if (!reader.read(*msg, f)) continue;
		if (f.size() != 5) throw Error(ErrorKind::Database, "unexpected COPY data");
		RecordView v;
		v.ivoid = f[0];
		v.datestamp = f[1];
		v.sets = f[2];
		v.deleted = f[3] == "t";
		v.metadata = f[4];
		each(v);
		++n;
	}
	return n;
}

int64_t count_records(pg::Connection& conn, const RecordQuery& q) {
	RecordQuery all = q;
	all.after.clear();
	return conn.exec(concat("SELECT count(*) FROM meles.resources", where_clause(all))).get_int(0, 0);
}

std::optional<TimePoint> earliest_datestamp(pg::Connection& conn) {
	auto r = conn.exec(concat("SELECT ", kDatestamp, " FROM meles.resources ORDER BY datestamp LIMIT 1"));
	if (!r.rows()) return std::nullopt;
	return parse_iso(r.get(0, 0));
}

std::vector<std::string> all_sets(pg::Connection& conn) {
	auto r = conn.exec("SELECT DISTINCT unnest(sets) AS s FROM meles.resources ORDER BY s");
	std::vector<std::string> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back(r.get(i, 0));
	return out;
}

std::optional<std::string> record_of_type(pg::Connection& conn, std::string_view res_type) {
	auto r = conn.exec_params(
	    "SELECT ivo_vor FROM meles.resources WHERE res_type = $1 AND NOT deleted ORDER BY key LIMIT 1",
	    {std::string(res_type)});
	if (!r.rows()) return std::nullopt;
	return r.get(0, 0);
}

} // namespace meles::rd::registry
