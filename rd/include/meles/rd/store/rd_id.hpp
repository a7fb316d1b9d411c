// meles/rd/store/rd_id.hpp — RD identifiers as DaCHS defines them.
//
// An RD's id is its path below the inputs directory without ".rd" (inputs/anchor/q.rd
// is "anchor/q"); system RDs are "//name".  Operators may name an RD by id or by path.
// Thread-safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace meles::rd {

bool is_system_rd_id(std::string_view id); // "//scs", "__system__/scs"
// "//scs" and "__system__/scs" both give "scs".
std::string system_rd_name(std::string_view id);

// The id of the RD file at `path` relative to `inputs_dir`.  Files outside the inputs
// directory get their path (without .rd) as id, so they still load.
std::string rd_id_from_path(const std::filesystem::path& inputs_dir, const std::filesystem::path& path);

// Resolves an operator's argument (an id like "anchor/q", a path like "q.rd" or
// "/var/x/q.rd", or "//scs") to an RD file.  Throws Error(NotFound) naming what was tried.
std::filesystem::path resolve_rd_file(std::string_view id_or_path, const std::filesystem::path& inputs_dir,
                                      const std::filesystem::path& system_rds_dir);

} // namespace meles::rd
