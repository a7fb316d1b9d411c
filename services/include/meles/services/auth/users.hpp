// meles/services/auth/users.hpp — user accounts (table meles.users) and HTTP Basic
// authentication for every endpoint.
//
// Verified credentials are remembered for a few minutes under a keyed digest, so the
// memory-hard hash runs once per client session rather than once per request.  Failed
// logins for an account back off exponentially (1 s doubling to 5 min) after 5 failures
// within 15 minutes; attempts during a back-off are refused without checking the password.
// Thread-safety: all members are thread-safe.
#pragma once

#include "meles/core/net/http.hpp"
#include "meles/core/pg/pool.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace meles::services {

struct UserInfo {
	std::string name;
	std::string remarks;
	std::string created;  // ISO time
};

class UserStore {
public:
	explicit UserStore(pg::Pool& admin_pool) : pool_(admin_pool) {}
	void ensure_schema();
	// Throws Error(Validation) for bad names, Error(Validation) if the user exists.
	void add(const std::string& name, const std::string& password, const std::string& remarks = "");
	void remove(const std::string& name);  // Error(NotFound) if absent
	void change_password(const std::string& name, const std::string& password);
	std::vector<UserInfo> list();
	std::optional<std::string> password_hash(const std::string& name);

	// Account names: 1–64 characters from [A-Za-z0-9_.@-], starting with a letter or digit.
	static void check_name(const std::string& name);

private:
	pg::Pool& pool_;
};

class Authenticator {
public:
	explicit Authenticator(UserStore& users) : users_(users) {}
	// nullopt for anonymous requests; the user name when valid Basic credentials came;
	// throws Error(Permission) for wrong credentials (→ 401 with WWW-Authenticate).
	std::optional<std::string> authenticate(const net::Request& request);
	// Forget cached verifications (e.g. after a password change).
	void forget(const std::string& name);

private:
	struct Failures {
		int count = 0;
		std::chrono::steady_clock::time_point first, blocked_until;
	};
	UserStore& users_;
	std::mutex mutex_;
	std::map<std::string, std::chrono::steady_clock::time_point> verified_;  // digest → expiry
	std::map<std::string, Failures> failures_;
};

// Decodes base64 (standard alphabet, padding optional); throws Error(Syntax).
std::string base64_decode(std::string_view text);

}  // namespace meles::services
