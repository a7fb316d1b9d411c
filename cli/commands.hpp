// cli/commands.hpp — entry points of the subcommands, one per cmd_<name>.cpp.
#pragma once

#include "command.hpp"

namespace meles::cli {

// Each returns the process exit code; failures are thrown as meles::Error.
// (Add yours here and to the table in main.cpp.)
int cmd_init(const GlobalOptions&, const std::vector<std::string>&);
int cmd_config(const GlobalOptions&, const std::vector<std::string>&);
int cmd_serve(const GlobalOptions&, const std::vector<std::string>&);
int cmd_adm(const GlobalOptions&, const std::vector<std::string>&);
int cmd_imp(const GlobalOptions&, const std::vector<std::string>&);
int cmd_drop(const GlobalOptions&, const std::vector<std::string>&);
int cmd_db(const GlobalOptions&, const std::vector<std::string>&);
int cmd_adql(const GlobalOptions&, const std::vector<std::string>&);

int cmd_val(const GlobalOptions& global, const std::vector<std::string>& args);
extern const std::string_view val_usage;
int cmd_limits(const GlobalOptions& global, const std::vector<std::string>& args);
extern const std::string_view limits_usage;
int cmd_pub(const GlobalOptions& global, const std::vector<std::string>& args);
extern const std::string_view pub_usage;
int cmd_start(const GlobalOptions& global, const std::vector<std::string>& args);
extern const std::string_view start_usage;
int cmd_test(const GlobalOptions& global, const std::vector<std::string>& args);
extern const std::string_view test_usage;
int cmd_exec(const GlobalOptions& global, const std::vector<std::string>& args);
extern const std::string_view exec_usage;

} // namespace meles::cli
