#include "meles/services/auth/users.hpp"

#include "meles/core/auth/password.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/common/utf8.hpp"
#include "meles/core/config/config.hpp"
#include "meles/core/log/logger.hpp"

#include <thread>

namespace meles::services {

namespace {

bool ascii_alnum(char c) {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Where credentials stop being text HTTP Basic may carry (RFC 7617: UTF-8, no control
// characters), or npos.
size_t first_bad_byte(std::string_view s) {
	return std::min(control_char_offset(s), invalid_utf8_offset(s));
}

} // namespace

bool UserStore::valid_name(std::string_view name) {
	bool ok = !name.empty() && name.size() <= 64 && ascii_alnum(name[0]);
	for (char c : name)
		ok = ok && (ascii_alnum(c) || c == '_' || c == '.' || c == '@' || c == '-');
	return ok;
}

void UserStore::check_name(const std::string& name) {
	if (!valid_name(name))
		throw Error(ErrorKind::Validation,
		            concat("bad user name '", name,
		                   "' (1 to 64 letters, digits, _ . @ -, starting with a letter or digit)"));
}

void UserStore::check_password(std::string_view password) {
	if (first_bad_byte(password) != std::string_view::npos)
		throw Error(
		    ErrorKind::Validation,
		    "a password must be UTF-8 text without control characters (HTTP Basic cannot send others)");
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
	check_password(password);
	std::string h = auth::hash_password(password);
	auto c = pool_.acquire();
	auto r = c->exec_params("INSERT INTO meles.users (username, password_hash, remarks) VALUES ($1, $2, $3) "
	                        "ON CONFLICT (username) DO NOTHING",
	                        {name, h, remarks});
	if (r.affected_rows() == 0)
		throw Error(ErrorKind::Validation, concat("user '", name, "' exists already"));
}

void UserStore::remove(const std::string& name) {
	auto c = pool_.acquire();
	if (c->exec_params("DELETE FROM meles.users WHERE username = $1", {name}).affected_rows() == 0)
		throw Error(ErrorKind::NotFound, concat("no user '", name, "'"));
}

void UserStore::change_password(const std::string& name, const std::string& password) {
	check_password(password);
	std::string h = auth::hash_password(password);
	auto c = pool_.acquire();
	if (c->exec_params("UPDATE meles.users SET password_hash = $2 WHERE username = $1", {name, h})
	        .affected_rows() == 0)
		throw Error(ErrorKind::NotFound, concat("no user '", name, "'"));
}

std::vector<UserInfo> UserStore::list() {
	auto c = pool_.acquire();
	auto r = c->exec(
	    "SELECT username, remarks, to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
	    "FROM meles.users ORDER BY username");
	std::vector<UserInfo> out;
	for (int i = 0; i < r.rows(); ++i)
		out.push_back({r.get(i, 0), r.get(i, 1), r.get(i, 2)});
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

AuthLimits AuthLimits::from_config(const Config& config) {
	AuthLimits l;
	auto n = config.get_int("web", "passwordChecks");
	l.concurrent = n > 0 ? static_cast<size_t>(n) : std::max<size_t>(1, std::thread::hardware_concurrency());
	l.queue = static_cast<size_t>(config.get_int("web", "passwordCheckQueue"));
	l.wait = std::chrono::seconds(config.get_int("web", "passwordCheckWait"));
	return l;
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
	// Control characters and invalid UTF-8 never reach the database, the log or the password
	// check.  The attempt counts against the name before the first such byte, which is what
	// the database would have looked up (libpq sends C strings): "acc1\0:guess" is a failed
	// login of acc1, never a way around its lockout.
	if (first_bad_byte(user) != std::string::npos || first_bad_byte(password) != std::string::npos) {
		std::string name = user.substr(0, first_bad_byte(user));
		if (!name.empty()) {
			std::lock_guard lock(mutex_);
			count_failure(name, request.remote, now);
		}
		throw Error(ErrorKind::Permission,
		            "user names and passwords must be UTF-8 text without control characters (RFC 7617)");
	}
	// The lengths keep "a" + "b:c" and "a:b" + "c" apart.
	std::string digest = auth::keyed_digest(concat(std::to_string(user.size()), ":", user, ":", password));
	{
		std::lock_guard lock(mutex_);
		// The block comes first: were cached credentials let through, a blocked guesser would
		// still learn at full speed whether a guess equals a recently used password.  Unknown
		// names are counted and blocked alike, so a block says nothing about an account.
		auto f = failures_.find(user);
		if (f != failures_.end() && f->second.blocked_until > now) {
			auto secs =
			    std::chrono::duration_cast<std::chrono::seconds>(f->second.blocked_until - now).count() + 1;
			throw Error(ErrorKind::Permission, concat("too many failed logins for '", user,
			                                          "'; try again in ", std::to_string(secs), " seconds"));
		}
		auto v = verified_.find(digest);
		if (v != verified_.end() && v->second > now) return user;
	}
	bool ok = verify(user, password);
	now = std::chrono::steady_clock::now();
	std::lock_guard lock(mutex_);
	if (ok) {
		failures_.erase(user);
		if (verified_.size() > 10000) verified_.clear();
		verified_[digest] = now + std::chrono::minutes(5);
		return user;
	}
	count_failure(user, request.remote, now);
	throw Error(ErrorKind::Permission, "wrong user name or password");
}

bool Authenticator::verify(const std::string& user, std::string_view password) {
	// Made before waiting for a slot, so that the first unknown name does not pay for it.
	const std::string& dummy = auth::dummy_hash();
	{
		std::unique_lock lock(gate_mutex_);
		if (checking_ >= limits_.concurrent) {
			if (waiting_ >= limits_.queue) throw AuthBusy();
			++waiting_;
			bool turn = gate_cv_.wait_for(lock, limits_.wait, [&] { return checking_ < limits_.concurrent; });
			--waiting_;
			if (!turn) throw AuthBusy();
		}
		++checking_;
	}
	struct Leave {
		Authenticator& a;
		~Leave() {
			{
				std::lock_guard lock(a.gate_mutex_);
				--a.checking_;
			}
			a.gate_cv_.notify_one();
		}
	} leave{*this};
	// Looked up in the slot, so that a flood of logins cannot take the admin pool either.  A
	// name no account can have is not looked up; unknown names take as long as known ones:
	// the same check against a hash of the same cost.
	auto hash = UserStore::valid_name(user) ? users_.password_hash(user) : std::nullopt;
	bool ok = auth::verify_password(hash ? *hash : dummy, password);
	return ok && hash.has_value();
}

void Authenticator::count_failure(const std::string& name, const std::string& remote,
                                  std::chrono::steady_clock::time_point now) {
	// Every name tried is remembered for 15 minutes; a flood of made-up names must not grow
	// the table without bound, so old entries go first and, if need be, all not blocked.
	constexpr size_t kMaxTracked = 50000;
	if (failures_.size() >= kMaxTracked) {
		std::erase_if(failures_, [&](auto& kv) {
			return kv.second.blocked_until <= now && now - kv.second.first > std::chrono::minutes(15);
		});
		if (failures_.size() >= kMaxTracked)
			std::erase_if(failures_, [&](auto& kv) { return kv.second.blocked_until <= now; });
	}
	auto& f = failures_[name];
	if (f.count == 0 || now - f.first > std::chrono::minutes(15)) {
		f.count = 0;
		f.first = now;
	}
	++f.count;
	if (f.count >= 5) {
		auto backoff = std::chrono::seconds(std::min<int64_t>(300, int64_t{1} << std::min(f.count - 5, 9)));
		f.blocked_until = now + backoff;
		log::warn(concat("repeated failed logins for account '", name, "' from ", remote));
	}
}

void Authenticator::forget(const std::string&) {
	std::lock_guard lock(mutex_);
	verified_.clear();
}

} // namespace meles::services
