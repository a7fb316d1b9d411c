// bench_user_tables — input for scripts/bench user-tables: the anchor catalogue CSV
// (id,ra,dec,mag,name from `bench_grammars gen`) as a VOTable with the same rows, to PUT into
// /tap/user_tables while psql \copy loads the CSV as the floor.
//
//   bench_user_tables vot CSV OUT [tabledata|binary|binary2]   (default binary2)
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/common/error.hpp"
#include "meles/core/votable/votable_writer.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

using namespace meles;

namespace {

class FileSink final : public ByteSink {
public:
	explicit FileSink(const std::string& path) : out_(path, std::ios::binary) {
		if (!out_) throw Error(ErrorKind::Io, "cannot write " + path);
	}
	void write(std::string_view d) override { out_.write(d.data(), static_cast<std::streamsize>(d.size())); }

private:
	std::ofstream out_;
};

ColumnMeta column(const char* name, const char* type, const char* unit, const char* ucd) {
	ColumnMeta m;
	m.name = name;
	m.type = SqlType::parse(type);
	m.unit = unit;
	m.ucd = ucd;
	return m;
}

int vot(const std::string& csv, const std::string& out, const std::string& format) {
	std::ifstream in(csv);
	if (!in) throw Error(ErrorKind::Io, "cannot read " + csv);
	FileSink sink(out);
	votable::VOTableOptions o;
	o.serialization = format == "tabledata" ? votable::Serialization::Tabledata
	                  : format == "binary"  ? votable::Serialization::Binary
	                                        : votable::Serialization::Binary2;
	auto w = votable::make_votable_writer(sink, o);
	formats::TableHeader h;
	h.table_name = "catalogue";
	h.description = "The anchor catalogue";
	h.columns = {column("id", "bigint", "", "meta.id;meta.main"),
	             column("ra", "double precision", "deg", "pos.eq.ra"),
	             column("dec", "double precision", "deg", "pos.eq.dec"),
	             column("mag", "real", "mag", "phot.mag"), column("name", "text", "", "meta.id")};
	w->begin(h);
	std::string line;
	std::getline(in, line); // header
	uint64_t n = 0;
	while (std::getline(in, line)) {
		// id,ra,dec,mag,name — the name is last and has no comma
		const char* p = line.c_str();
		char* e = nullptr;
		w->begin_row();
		w->int64(std::strtoll(p, &e, 10));
		w->float64(std::strtod(e + 1, &e));
		w->float64(std::strtod(e + 1, &e));
		if (e[1] == ',') {
			w->null();
			++e;
		} else {
			w->float32(std::strtof(e + 1, &e));
		}
		w->string(std::string_view(e + 1));
		w->end_row();
		++n;
	}
	w->finish();
	std::fprintf(stderr, "%llu rows\n", static_cast<unsigned long long>(n));
	return 0;
}

} // namespace

int main(int argc, char** argv) {
	try {
		if (argc >= 4 && std::strcmp(argv[1], "vot") == 0)
			return vot(argv[2], argv[3], argc > 4 ? argv[4] : "binary2");
		std::cerr << "usage: bench_user_tables vot CSV OUT [tabledata|binary|binary2]\n";
		return 2;
	} catch (const std::exception& e) {
		std::cerr << "bench_user_tables: " << e.what() << "\n";
		return 1;
	}
}
