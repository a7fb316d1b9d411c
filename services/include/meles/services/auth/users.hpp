// meles/services/auth/users.hpp — user accounts (table meles.users) and HTTP Basic
// authentication for every endpoint.
//
// Verified credentials are remembered for a few minutes under a keyed digest, so the
// memory-hard hash runs once per client session rather than once per request.  Failed
// logins for an account back off exponentially (1 s doubling to 5 min) after 5 failures
// within 15 minutes; attempts during a back-off are refused without checking the password.
// Hostile input: credentials with control characters or invalid UTF-8 are refused before
// anything else sees them (and counted as failures of the name before the first such byte,
// the name a C string would have seen); names no account can have are never looked up;
// unknown names are checked against a dummy hash with the same cost, so that the time of an
// answer does not tell whether an account exists; at most [web] passwordChecks hashes run
// at once (each takes 64 MiB), a bounded number of logins wait for a turn, the rest are
// answered 503 with Retry-After (AuthBusy).
// Thread-safety: all members are thread-safe.
#pragma once

#include "meles/core/common/error.hpp"
#include "meles/core/net/http.hpp"
#include "meles/core/pg/pool.hpp"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace meles {
class Config;
}

namespace meles::services {

struct UserInfo {
	std::string name;
	std::string remarks;
	std::string created; // ISO time
};

class UserStore {
public:
	explicit UserStore(pg::Pool& admin_pool) : pool_(admin_pool) {}
	void ensure_schema();
	// Throws Error(Validation) for bad names, Error(Validation) if the user exists.
	void add(const std::string& name, const std::string& password, const std::string& remarks = "");
	void remove(const std::string& name); // Error(NotFound) if absent
	void change_password(const std::string& name, const std::string& password);
	std::vector<UserInfo> list();
	std::optional<std::string> password_hash(const std::string& name);

	// Account names: 1–64 characters from [A-Za-z0-9_.@-], starting with a letter or digit.
	static void check_name(const std::string& name);
	static bool valid_name(std::string_view name);
	// Passwords: UTF-8 without control characters (what HTTP Basic can carry, RFC 7617).
	static void check_password(std::string_view password);

private:
	pg::Pool& pool_;
};

// How many password checks run at once and how long logins wait for one ([web] passwordChecks,
// passwordCheckQueue, passwordCheckWait).
struct AuthLimits {
	size_t concurrent = 2;
	size_t queue = 16;
	std::chrono::milliseconds wait{5000};
	static AuthLimits from_config(const Config& config);
};

// No password check could start in time: the client should come back (Unavailable: 503 with
// Retry-After).
class AuthBusy : public Error {
public:
	AuthBusy()
	    : Error(ErrorKind::Unavailable,
	            "too many logins are being checked at the moment; please try again in a few seconds") {}
};

class Authenticator {
public:
	explicit Authenticator(UserStore& users, AuthLimits limits = {}) : users_(users), limits_(limits) {}
	// nullopt for anonymous requests; the user name when valid Basic credentials came;
	// throws Error(Permission) for wrong credentials (→ 401 with WWW-Authenticate), AuthBusy
	// when no password check could start in time.
	std::optional<std::string> authenticate(const net::Request& request);
	// Forget cached verifications (e.g. after a password change).
	void forget(const std::string& name);
	const AuthLimits& limits() const { return limits_; }

private:
	struct Failures {
		int count = 0;
		std::chrono::steady_clock::time_point first, blocked_until;
	};
	// Looks the account up and runs the memory-hard check in one of limits_.concurrent slots.
	bool verify(const std::string& user, std::string_view password);
	// Counts a failed login of `name`; mutex_ held.
	void count_failure(const std::string& name, const std::string& remote,
	                   std::chrono::steady_clock::time_point now);

	UserStore& users_;
	AuthLimits limits_;
	std::mutex mutex_;
	std::map<std::string, std::chrono::steady_clock::time_point> verified_; // digest → expiry
	std::map<std::string, Failures> failures_;
	std::mutex gate_mutex_;
	std::condition_variable gate_cv_;
	size_t checking_ = 0, waiting_ = 0;
};

// Decodes base64 (standard alphabet, padding optional); throws Error(Syntax).
std::string base64_decode(std::string_view text);

} // namespace meles::services
