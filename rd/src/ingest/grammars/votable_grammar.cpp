#include "meles/rd/ingest/grammars/votable_grammar.hpp"

#include "attribute_reader.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/votable/votable_reader.hpp"
#include "text_input.hpp"

#include <cstring>

namespace meles::rd::ingest {

namespace {

ValueKind kind_of(votable::ValueKind k) {
	switch (k) {
	case votable::ValueKind::Bool:
		return ValueKind::Bool;
	case votable::ValueKind::Int:
		return ValueKind::Int;
	case votable::ValueKind::Double:
		return ValueKind::Double;
	case votable::ValueKind::Text:
		return ValueKind::Text;
	case votable::ValueKind::BoolArray:
		return ValueKind::BoolArray;
	case votable::ValueKind::IntArray:
		return ValueKind::IntArray;
	case votable::ValueKind::DoubleArray:
		return ValueKind::DoubleArray;
	}
	return ValueKind::Text;
}

class VOTableRecordReader final : public RecordReader, private votable::VOTableConsumer {
public:
	VOTableRecordReader(std::shared_ptr<const SourceInfo> source, const VOTableGrammarOptions& o,
	                    const ReadOptions& ro)
	    : RecordReader(std::move(source)), options_(o), input_(*source_, text_options(o)),
	      reader_(*this, reader_options(ro)) {
		// The schema must be known once the reader is open (the rowmaker compiles against it).
		while (!schema_ && !input_done_)
			pump();
		if (!schema_)
			throw Error(ErrorKind::Validation,
			            concat(source_->display, ": no TABLE with FIELDs found in this VOTable"));
	}

	bool next(RecordBatch& batch) override {
		if (!pending_.empty()) {
			// rows that came with the schema while the reader was being opened
			std::swap(batch, pending_);
			pending_ = RecordBatch();
			return true;
		}
		batch.begin(source_, layout_ptr(), PositionUnit::Row);
		target_ = &batch;
		while (batch.empty() && !input_done_)
			pump();
		target_ = nullptr;
		return !batch.empty();
	}

private:
	static detail::TextInputOptions text_options(const VOTableGrammarOptions& o) {
		detail::TextInputOptions t;
		t.gunzip = o.gunzip;
		t.pre_filter = o.pre_filter;
		return t;
	}
	static votable::ReaderOptions reader_options(const ReadOptions& ro) {
		votable::ReaderOptions r;
		r.batch_rows = std::min<size_t>(ro.max_records, 4096);
		return r;
	}

	void pump() {
		size_t n = input_.read(buf_, sizeof buf_);
		set_consumed(input_.consumed());
		try {
			if (n == 0) {
				reader_.finish();
				input_done_ = true;
				return;
			}
			reader_.feed(std::string_view(buf_, n));
		} catch (const Error& e) {
			throw Error(e.kind(), concat(source_->display, ": ", e.message()));
		}
	}

	void on_schema(const votable::TableSchema& schema) override {
		std::vector<FieldInfo> fields;
		for (auto& f : schema.fields) {
			FieldInfo fi;
			fi.name = options_.lower_keys ? to_lower(f.meta.name) : f.meta.name;
			fi.kind = kind_of(f.kind);
			fi.unit = f.meta.unit;
			fields.push_back(std::move(fi));
		}
		set_layout(FieldLayout(std::move(fields)));
		schema_ = true;
	}

	void on_rows(const votable::RowBatch& rows) override {
		if (!target_) {
			// Rows arriving while the constructor looks for the schema wait in pending_.
			if (pending_.empty()) pending_.begin(source_, layout_ptr(), PositionUnit::Row);
		}
		RecordBatch& b = target_ ? *target_ : pending_;
		size_t width = rows.columns();
		for (size_t r = 0; r < rows.rows(); ++r) {
			Value* out = b.append(static_cast<int64_t>(rows.first_row() + r));
			for (size_t c = 0; c < width; ++c) {
				if (rows.is_null(r, c)) {
					out[c] = Value();
					continue;
				}
				switch (rows.kind(c)) {
				case votable::ValueKind::Bool:
					out[c] = Value::of_bool(rows.get_bool(r, c));
					break;
				case votable::ValueKind::Int:
					out[c] = Value::of_int(rows.get_int(r, c));
					break;
				case votable::ValueKind::Double:
					out[c] = Value::of_double(rows.get_double(r, c));
					break;
				case votable::ValueKind::Text:
					out[c] = Value::text(b.store(rows.get_text(r, c)));
					break;
				case votable::ValueKind::IntArray: {
					auto v = rows.get_ints(r, c);
					auto s = b.store(std::string_view(reinterpret_cast<const char*>(v.data()),
					                                  v.size() * sizeof(int64_t)));
					out[c] = Value::int_array(reinterpret_cast<const int64_t*>(s.data()), v.size(), false);
					break;
				}
				case votable::ValueKind::DoubleArray: {
					auto v = rows.get_doubles(r, c);
					auto s = b.store(
					    std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double)));
					out[c] = Value::double_array(reinterpret_cast<const double*>(s.data()), v.size(), false);
					break;
				}
				case votable::ValueKind::BoolArray: {
					auto v = rows.get_bools(r, c);
					auto s = b.store(std::string_view(reinterpret_cast<const char*>(v.data()), v.size()));
					out[c] = Value::bool_array(reinterpret_cast<const uint8_t*>(s.data()), v.size(), false);
					break;
				}
				}
			}
		}
	}

	VOTableGrammarOptions options_;
	detail::TextInput input_;
	votable::VOTableReader reader_;
	RecordBatch* target_ = nullptr;
	RecordBatch pending_;
	bool schema_ = false, input_done_ = false;
	char buf_[256 * 1024];
};

} // namespace

VOTableGrammarOptions VOTableGrammarOptions::from_element(const GrammarElement& el) {
	detail::AttributeReader a(el, grammar_record("voTableGrammar"));
	VOTableGrammarOptions o;
	o.lower_keys = a.boolean("lowerKeys", false);
	o.gunzip = a.boolean("gunzip", false);
	o.pre_filter = a.string("preFilter").value_or("");
	return o;
}

VOTableGrammar::VOTableGrammar(VOTableGrammarOptions options, SourcePos pos)
    : Grammar(std::move(pos)), options_(std::move(options)) {}

std::unique_ptr<Grammar> VOTableGrammar::create(const GrammarElement& el) {
	return std::make_unique<VOTableGrammar>(VOTableGrammarOptions::from_element(el), el.pos);
}

std::unique_ptr<RecordReader> VOTableGrammar::open(const SourceInfo& source,
                                                   const ReadOptions& options) const {
	return std::make_unique<VOTableRecordReader>(std::make_shared<const SourceInfo>(source), options_,
	                                             options);
}

} // namespace meles::rd::ingest
