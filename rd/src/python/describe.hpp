// rd/src/python/describe.hpp — RD structures as the plain dicts meles_rt.rdobjects wraps
// (rd, tables, columns, services), and the one Python `rd` object per loaded Resource.
// Thread-safety: GIL held.
#pragma once

#include "py_ref.hpp"

#include "meles/rd/model/resource.hpp"

#include <memory>

namespace meles::rd::python {

PyRef describe_column(const Column& c, const std::optional<std::string>& value = std::nullopt);
PyRef describe_table(const TableDef& t);
PyRef describe_rd(const Resource& rd);
PyRef describe_meta(const MetaBag& bag);

// The Python RD object of this Resource: made once per loaded Resource and kept while the
// Resource lives, so attributes code sets on it (on="loaded" jobs) are seen by later code.
PyRef rd_object(const std::shared_ptr<const Resource>& rd);
// A TableDef view (meles_rt.rdobjects.TableDef) bound to its RD object.
PyRef table_object(const std::shared_ptr<const Resource>& rd, const TableDef& t);

} // namespace meles::rd::python
