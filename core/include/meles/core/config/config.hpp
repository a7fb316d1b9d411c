// meles/core/config/config.hpp — the operator's configuration (meles.conf).
//
// One INI-style file: `[section]` headers, `key = value` lines, `#`/`;` comments, and
// continuation lines starting with whitespace.  Every key Meles knows is declared once
// in the key table (config_keys.cpp) with its type, default and documentation; the
// loader rejects unknown sections, keys and bad values naming file, line and key, and
// docs/configuration.md is generated from the same table (`meles config --doc`).
// Thread-safety: a loaded Config is immutable and may be shared between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meles {

enum class ConfigType { String, Integer, Real, Boolean, Path, Url, Enum, Size, Duration };

struct ConfigKey {
	std::string_view section;
	std::string_view key; // as documented (camelCase); matching is case-insensitive
	ConfigType type;
	std::string_view default_value; // may use {stateDir}, {bindAddress}, {serverPort}; "" = unset
	std::string_view doc;
	std::string_view choices = {};    // Enum: comma-separated allowed values
	int64_t min = 0, max = INT64_MAX; // Integer/Size/Duration bounds
};

// The table of every known key.
const std::vector<ConfigKey>& config_keys();

class Config {
public:
	// Defaults only; the state directory is `state_dir`.
	static Config defaults(const std::filesystem::path& state_dir);
	// Reads `file`; the state directory defaults to the file's directory.
	// Throws Error(Syntax|Name|Validation) "meles.conf:12: [web] serverPort: ..." or Error(Io).
	static Config load(const std::filesystem::path& file);
	// Where the configuration is: explicit path (--config/MELES_CONFIG) if given, else
	// $MELES_STATE/meles.conf, else /var/lib/meles/meles.conf for root and
	// ~/.local/share/meles/meles.conf otherwise.
	static std::filesystem::path default_path(const std::string& explicit_path);
	// load() if the file exists, otherwise defaults for its directory.
	static Config load_or_defaults(const std::filesystem::path& file);

	// Raw value after defaults and placeholder expansion; throws Error(Name) for keys
	// not in the table (a programming error surfaced clearly).
	std::string get(std::string_view section, std::string_view key) const;
	int64_t get_int(std::string_view section,
	                std::string_view key) const; // Integer, Size (bytes), Duration (s)
	double get_real(std::string_view section, std::string_view key) const;
	bool get_bool(std::string_view section, std::string_view key) const;
	std::filesystem::path get_path(std::string_view section,
	                               std::string_view key) const; // relative → stateDir
	// Whether the operator set the key explicitly.
	bool is_set(std::string_view section, std::string_view key) const;
	// For \getConfig in RDs: nullopt if the key is unknown.
	std::optional<std::string> lookup(std::string_view section, std::string_view key) const;

	const std::filesystem::path& state_dir() const { return state_dir_; }
	const std::filesystem::path& file() const { return file_; }
	bool file_exists() const { return file_exists_; }

	// Convenience for the common ones.
	std::filesystem::path inputs_dir() const { return get_path("general", "inputsDir"); }
	std::string server_url() const; // without trailing slash

	// Every key with its effective value, for `meles config`.
	std::vector<std::pair<std::string, std::string>> effective() const;
	// Markdown documentation of every key (docs/configuration.md).
	static std::string documentation();

	// Sets a value programmatically (tests, `meles init` options); validated like a file value.
	void set(std::string_view section, std::string_view key, std::string_view value);

private:
	std::filesystem::path state_dir_;
	std::filesystem::path file_;
	bool file_exists_ = false;
	std::map<std::string, std::string> values_; // "section.key" lower-case → raw value
};

// Parses sizes like "20M", "2 GB", "1024" into bytes and durations like "60", "5m",
// "2h", "7d" into seconds.  Throws Error(Validation).
int64_t parse_size(std::string_view text);
int64_t parse_duration(std::string_view text);

} // namespace meles
