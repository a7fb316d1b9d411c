#include "describe.hpp"

#include "interpreter.hpp"

#include <map>

namespace meles::rd::python {

// (rd_code.cpp) the on="loaded" execute jobs of a fresh RD object.
void run_loaded_jobs(const std::shared_ptr<const Resource>& rd, PyObject* rdo);

namespace {

void set_item(PyObject* d, const char* key, PyObject* value_owned) {
	PyRef v(value_owned);
	if (v)
		PyDict_SetItemString(d, key, v.get());
	else
		PyErr_Clear();
}

void set_str(PyObject* d, const char* key, std::string_view s) {
	set_item(d, key, py_str(s).release());
}

void flatten_meta(const MetaBag& bag, const std::string& prefix, PyObject* out) {
	for (auto& [key, values] : bag.entries()) {
		std::string full = prefix.empty() ? key : prefix + "." + key;
		PyObject* list = PyDict_GetItemString(out, full.c_str()); // borrowed
		PyRef fresh;
		if (!list) {
			fresh = PyRef(PyList_New(0));
			list = fresh.get();
			PyDict_SetItemString(out, full.c_str(), list);
		}
		for (auto& v : values) {
			if (!v.content.empty()) {
				PyRef s = py_str(v.content);
				PyList_Append(list, s.get());
			}
			flatten_meta(v.children, full, out);
		}
	}
}

struct RdEntry {
	std::weak_ptr<const Resource> rd;
	PyRef object;
};

std::map<const Resource*, RdEntry>& rd_cache() {
	static std::map<const Resource*, RdEntry> cache;
	return cache;
}

} // namespace

PyRef describe_meta(const MetaBag& bag) {
	PyRef d(PyDict_New());
	flatten_meta(bag, "", d.get());
	return d;
}

PyRef describe_column(const Column& c, const std::optional<std::string>& value) {
	PyRef d(PyDict_New());
	PyObject* o = d.get();
	set_str(o, "kind", "column");
	set_str(o, "name", c.meta.name);
	set_str(o, "type", c.type_text.empty() ? c.meta.type.rd_name() : c.type_text);
	set_str(o, "unit", c.meta.unit);
	set_str(o, "ucd", c.meta.ucd);
	set_str(o, "utype", c.meta.utype);
	set_str(o, "description", c.meta.description);
	set_str(o, "tablehead", c.meta.tablehead);
	if (!c.meta.xtype.empty()) set_str(o, "xtype", c.meta.xtype);
	set_item(o, "verbLevel", PyLong_FromLong(c.meta.verb_level));
	set_item(o, "required", PyBool_FromLong(c.meta.required));
	if (value) set_str(o, "value", *value);
	return d;
}

PyRef describe_table(const TableDef& t) {
	PyRef d(PyDict_New());
	PyObject* o = d.get();
	set_str(o, "kind", "table");
	set_str(o, "id", t.id);
	set_str(o, "qname", t.qualified_name());
	set_item(o, "onDisk", PyBool_FromLong(t.on_disk));
	set_item(o, "adql", PyBool_FromLong(t.adql != AdqlAccess::No));
	PyRef cols(PyList_New(0));
	for (auto& c : t.columns) {
		PyRef cd = describe_column(c);
		PyList_Append(cols.get(), cd.get());
	}
	PyDict_SetItemString(o, "columns", cols.get());
	PyRef pars(PyList_New(0));
	for (auto& p : t.params) {
		PyRef pd = describe_column(p.column, p.value);
		PyList_Append(pars.get(), pd.get());
	}
	PyDict_SetItemString(o, "params", pars.get());
	PyRef meta = describe_meta(t.meta);
	PyDict_SetItemString(o, "meta", meta.get());
	PyRef props(PyDict_New());
	for (auto& p : t.properties)
		set_str(props.get(), p.key.c_str(), p.value);
	PyDict_SetItemString(o, "properties", props.get());
	PyRef indexes(PyList_New(0));
	for (auto& ix : t.indexes) {
		PyRef id(PyDict_New());
		set_str(id.get(), "name", ix.name);
		set_str(id.get(), "kind", ix.kind);
		set_str(id.get(), "method", ix.method);
		PyRef ic(PyList_New(0));
		for (auto& c : ix.columns)
			PyList_Append(ic.get(), py_str(c).get());
		PyDict_SetItemString(id.get(), "columns", ic.get());
		PyList_Append(indexes.get(), id.get());
	}
	PyDict_SetItemString(o, "indices", indexes.get());
	return d;
}

PyRef describe_rd(const Resource& rd) {
	PyRef d(PyDict_New());
	PyObject* o = d.get();
	set_str(o, "sourceId", rd.rd_id);
	set_str(o, "schema", rd.schema);
	set_str(o, "resdir", rd.resdir.string());
	set_str(o, "file", rd.source_path.string());
	PyRef meta = describe_meta(rd.meta);
	PyDict_SetItemString(o, "meta", meta.get());
	PyRef tables(PyList_New(0));
	for (auto& t : rd.tables) {
		PyRef td = describe_table(t);
		PyList_Append(tables.get(), td.get());
	}
	PyDict_SetItemString(o, "tables", tables.get());
	auto simple = [&](const char* key, auto& items, auto fill) {
		PyRef list(PyList_New(0));
		for (auto& x : items) {
			PyRef e(PyDict_New());
			set_str(e.get(), "id", x.id);
			fill(e.get(), x);
			PyList_Append(list.get(), e.get());
		}
		PyDict_SetItemString(o, key, list.get());
	};
	simple("data", rd.data, [](PyObject* e, const DataDesc& x) {
		set_item(e, "auto", PyBool_FromLong(x.auto_import));
		PyRef m = describe_meta(x.meta);
		PyDict_SetItemString(e, "meta", m.get());
	});
	simple("services", rd.services, [](PyObject* e, const ServiceDef& x) {
		PyRef m = describe_meta(x.meta);
		PyDict_SetItemString(e, "meta", m.get());
	});
	simple("executes", rd.executes, [](PyObject* e, const ExecuteDef& x) { set_str(e, "title", x.title); });
	return d;
}

PyRef rd_object(const std::shared_ptr<const Resource>& rd) {
	if (!rd) return PyRef::borrow(Py_None);
	auto& cache = rd_cache();
	for (auto it = cache.begin(); it != cache.end();) {
		if (it->second.rd.expired())
			it = cache.erase(it);
		else
			++it;
	}
	if (auto it = cache.find(rd.get()); it != cache.end()) return it->second.object;
	PyRef desc = describe_rd(*rd);
	PyRef obj(PyObject_CallFunctionObjArgs(rt_function("make_rd"), desc.get(), nullptr));
	if (!obj) throw_python_error(concat("describing RD ", rd->rd_id), {}, ErrorKind::Internal);
	cache[rd.get()] = RdEntry{rd, obj};
	run_loaded_jobs(rd, obj.get());
	return obj;
}

PyRef table_object(const std::shared_ptr<const Resource>& rd, const TableDef& t) {
	PyRef rdo = rd_object(rd);
	// The RD object already holds a view of each of its tables; use it so that code sees one
	// object per table.
	if (rd && rdo.get() != Py_None) {
		for (auto& own : rd->tables)
			if (&own == &t) {
				PyRef got(PyObject_CallMethod(rdo.get(), "getById", "s", t.id.c_str()));
				if (got) return got;
				PyErr_Clear();
			}
	}
	PyRef desc = describe_table(t);
	PyRef obj(PyObject_CallFunctionObjArgs(rt_function("make_table"), desc.get(), rdo.get(), nullptr));
	if (!obj) throw_python_error(concat("describing table ", t.id), {}, ErrorKind::Internal);
	return obj;
}

} // namespace meles::rd::python
