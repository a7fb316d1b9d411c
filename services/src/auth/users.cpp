#include "meles/services/auth/users.hpp"

#include "meles/core/auth/password.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/log/logger.hpp"

namespace meles::services {

void UserStore::check_name(const std::string& name) {
	bool ok = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
	for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '@' || c == '-');
	if (!ok)
		throw Error(ErrorKind::Validation,
		            concat("bad user name '", name, "' (1 to 64 letters, digits, _ . @ -, starting with a letter or digit)"));
}

void UserStore::ensure_schema() {
	auto c = pool_.acquire();
	c->exec(R"(CREATE TABLE IF NOT EXISTS meles.users (
	username text PRIMARY KEY,
	password_hash text NOT NULL,
	remarks text NOT NULL DEFAULT '',
	created timestamptz NOT NULL DEFAULT now()))");
}

void UserStore::add(const std::string& name, const std::string& password, const std::string& remarks) {
	check_name(name);
	std::string h = auth::hash_password(password);
	auto c = pool_.acquire();
	auto r = c->exec_params("INSERT INTO meles.users (username, password_hash, remarks) VALUES ($1, $2, $3) "
	                        "ON CONFLICT (username) DO NOTHING",
	                        {name, h, remarks});
	if (r.affected_rows() == 0) throw Error(ErrorKind::Validation, concat("user '", name, "' exists already"));
}

void UserStore::remove(const std::string& name) {
	auto c = pool_.acquire();
	if (c->exec_params("DELETE FROM meles.users WHERE username = $1", {name}).affected_rows() == 0)
		throw Error(ErrorKind::NotFound, concat("no user '", name, "'"));
}

void UserStore::change_password(const std::string& name, const std::string& password) {
	std::string h = auth::hash_password(password);
	auto c = pool_.acquire();
	if (c->exec_params("UPDATE meles.users SET password_hash = $2 WHERE username = $1", {name, h}).affected_rows() == 0)
		throw Error(ErrorKind::NotFound, concat("no user '", name, "'"));
}

std::vector<UserInfo> UserStore::list() {
	auto c = pool_.acquire();
	auto r = c->exec("SELECT username, remarks, to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	                 "FROM meles.users ORDER BY username");
	std::vector<UserInfo> out;
	for (int i = 0; i < r.rows(); ++i) out.push_back({r.get(i, 0), r.get(i, 1), r.get(i, 2)});
	return out;
}

std::optional<std::string> UserStore::password_hash(const std::string& name) {
	auto c = pool_.acquire();
	auto r = c->exec_params("SELECT password_hash FROM meles.users WHERE username = $1", {name});
	if (r.rows() == 0) return std::nullopt;
	return r.get(0, 0);
}

std::string base64_decode(std::string_view in) {
	auto val = [](char c) -> int {
		if (c >= 'A' && c <= 'Z') return c - 'A';
		if (c >= 'a' && c <= 'z') return c - 'a' + 26;
		if (c >= '0' && c <= '9') return c - '0' + 52;
		if (c == '+' || c == '-') return 62;
		if (c == '/' || c == '_') return 63;
		return -1;
	};
	std::string out;
	int bits = 0, acc = 0;
	for (char c : in) {
		if (c == '=' || std::isspace(static_cast<unsigned char>(c))) continue;
		int v = val(c);
		if (v < 0) throw Error(ErrorKind::Syntax, "malformed base64");
		acc = (acc << 6) | v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out += static_cast<char>((acc >> bits) & 0xff);
		}
	}
	return out;
}

std::optional<std::string> Authenticator::authenticate(const net::Request& request) {
	auto header = request.header("Authorization");
	if (header.empty()) return std::nullopt;
	auto t = trim(header);
	if (!starts_with_ci(t, "Basic "))
		throw Error(ErrorKind::Permission, "only HTTP Basic authentication is supported here");
	std::string decoded = base64_decode(trim(t.substr(6)));
	auto colon = decoded.find(':');
	if (colon == std::string::npos) throw Error(ErrorKind::Permission, "malformed Basic credentials");
	std::string user = decoded.substr(0, colon), password = decoded.substr(colon + 1);
	auto now = std::chrono::steady_clock::now();
	std::string digest = auth::keyed_digest(concat(user, std::string(1, '\0'), password));
	{
		std::lock_guard lock(mutex_);
		// The block comes first: were cached credentials let through, a blocked guesser would
		// still learn at full speed whether a guess equals a recently used password.
		auto f = failures_.find(user);
		if (f != failures_.end() && f->second.blocked_until > now) {
			auto secs = std::chrono::duration_cast<std::chrono::seconds>(f->second.blocked_until - now).count() + 1;
			throw Error(ErrorKind::Permission, concat("too many failed logins for '", user, "'; try again in ",
			                                          std::to_string(secs), " seconds"));
		}
		auto v = verified_.find(digest);
		if (v != verified_.end() && v->second > now) return user;
	}
	auto hash = users_.password_hash(user);
	bool ok = hash && auth::verify_password(*hash, password);
	std::lock_guard lock(mutex_);
	if (ok) {
		failures_.erase(user);
		if (verified_.size() > 10000) verified_.clear();
		verified_[digest] = now + std::chrono::minutes(5);
		return user;
	}
	auto& f = failures_[user];
	if (f.count == 0 || now - f.first > std::chrono::minutes(15)) {
		f.count = 0;
		f.first = now;
	}
	++f.count;
	if (f.count >= 5) {
		auto backoff = std::chrono::seconds(std::min<int64_t>(300, int64_t{1} << std::min(f.count - 5, 9)));
		f.blocked_until = now + backoff;
		log::warn(concat("repeated failed logins for account '", user, "' from ", request.remote));
	}
	throw Error(ErrorKind::Permission, "wrong user name or password");
}

void Authenticator::forget(const std::string&) {
	std::lock_guard lock(mutex_);
	verified_.clear();
}

}  // namespace meles::services
