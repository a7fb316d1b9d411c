// fitsProdGrammar: the header of each FITS file as one record (core/fits reads it).
#include "meles/rd/ingest/grammars/fits_prod_grammar.hpp"

#include "ingest/grammars/attribute_reader.hpp"
#include "meles/core/common/strings.hpp"
#include "meles/core/fits/fits_header_reader.hpp"

#include <algorithm>
#include <set>

namespace meles::rd::ingest {

namespace {

using core::fits::HduHeader;
using core::fits::HeaderCard;

constexpr std::string_view kHeaderField = "header_";

ValueKind kind_of(HeaderCard::Kind k) {
	switch (k) {
	case HeaderCard::Kind::Integer:
		return ValueKind::Int;
	case HeaderCard::Kind::Float:
		return ValueKind::Double;
	case HeaderCard::Kind::Logical:
		return ValueKind::Bool;
	default:
		return ValueKind::Text;
	}
}

class ProdReader final : public RecordReader {
public:
	ProdReader(std::shared_ptr<const SourceInfo> src, const FitsProdGrammarOptions& opt,
	           const ReadOptions& ro)
	    : RecordReader(std::move(src)), opt_(opt) {
		core::fits::HeaderOptions ho;
		ho.quick = opt.qnd;
		ho.max_blocks = opt.max_header_blocks;
		if (opt.hdus_field.empty())
			ho.hdu = opt.hdu;
		else
			ho.hdu.reset();
		try {
			headers_ = core::fits::read_fits_headers(source_->path, ho);
		} catch (const Error& e) {
			// A file that cannot be read is this source's one bad record when the importer asks
			// for them (`meles imp -c` then skips it and reports it), else the end of the import.
			if (!ro.bad_records_in_batch)
				throw Error(ErrorKind::Io, concat(source_->display, ": ", e.message()),
				            SourcePos{source_->display, 0, 0});
			problem_ = e.message();
			return;
		}
		// The fields: every keyword of every header read (the first of a repeated one), renamed
		// by mapKeys; with hdusField, that field too.
		std::vector<FieldInfo> fields;
		std::set<std::string, std::less<>> seen;
		// As in DaCHS, '-' in keywords becomes '_' (@DATE_OBS); mapKeys may name a keyword
		// either way.
		auto name_of = [&](const std::string& key) -> std::string {
			std::string field = key;
			std::replace(field.begin(), field.end(), '-', '_');
			for (auto& [dest, source] : opt_.map_keys)
				if (source == key || source == field) return dest;
			return field;
		};
		for (auto& h : headers_)
			for (auto& c : h.cards) {
				std::string name = name_of(c.key);
				if (seen.insert(name).second) fields.push_back({name, kind_of(c.kind), ""});
			}
		if (!opt_.hdus_field.empty() && seen.insert(opt_.hdus_field).second)
			fields.push_back({opt_.hdus_field, ValueKind::Int, ""});
		// header_ as in DaCHS: the whole header, here as its card images, for //siap#computePGS.
		if (seen.insert(std::string(kHeaderField)).second)
			fields.push_back({std::string(kHeaderField), ValueKind::Text, ""});
		set_layout(FieldLayout(std::move(fields), SourcePos{source_->display, 0, 0}));
		for (auto& h : headers_) {
			auto& slots = slots_.emplace_back();
			for (auto& c : h.cards)
				slots.push_back(*layout_->index_of(name_of(c.key)));
		}
		if (!opt_.hdus_field.empty()) hdu_slot_ = layout_->index_of(opt_.hdus_field);
		header_slot_ = layout_->index_of(kHeaderField);
	}

	bool next(RecordBatch& batch) override {
		// One record per file reads best as "data/x.fits: ..."; records per HDU are rows.
		bool per_hdu = !opt_.hdus_field.empty();
		batch.begin(source_, layout_, per_hdu ? PositionUnit::Row : PositionUnit::Line);
		if (done_) return false;
		done_ = true;
		if (problem_) {
			batch.append_problem(0, *problem_);
			return true;
		}
		for (size_t hi = 0; hi < headers_.size(); ++hi) {
			const HduHeader& h = headers_[hi];
			Value* rec = batch.append(per_hdu ? h.index : 0);
			std::vector<bool> filled(layout_->size(), false);
			for (size_t ci = 0; ci < h.cards.size(); ++ci) {
				size_t slot = slots_[hi][ci];
				if (filled[slot]) continue; // a repeated keyword: the first counts
				filled[slot] = true;
				const HeaderCard& c = h.cards[ci];
				switch (c.kind) {
				case HeaderCard::Kind::Integer:
					rec[slot] = Value::of_int(c.integer);
					break;
				case HeaderCard::Kind::Float:
					rec[slot] = Value::of_double(c.real);
					break;
				case HeaderCard::Kind::Logical:
					rec[slot] = Value::of_bool(c.logical);
					break;
				case HeaderCard::Kind::Undefined:
					break;
				default:
					rec[slot] = Value::text(batch.store(c.text));
				}
			}
			if (hdu_slot_) rec[*hdu_slot_] = Value::of_int(h.index);
			if (header_slot_ && !filled[*header_slot_])
				rec[*header_slot_] = Value::text(batch.store(core::fits::card_images(h)));
		}
		set_consumed(source_->size);
		return true;
	}

private:
	FitsProdGrammarOptions opt_;
	std::vector<HduHeader> headers_;
	std::vector<std::vector<size_t>> slots_; // per header, per card: the field slot
	std::optional<size_t> hdu_slot_;
	std::optional<size_t> header_slot_;
	std::optional<std::string> problem_;
	bool done_ = false;
};

} // namespace

FitsProdGrammarOptions FitsProdGrammarOptions::from_element(const GrammarElement& el) {
	detail::AttributeReader a(el, grammar_record("fitsProdGrammar"));
	FitsProdGrammarOptions o;
	o.hdu = static_cast<int>(a.integer("hdu", 0, 0, 100000));
	o.qnd = a.boolean("qnd", true);
	o.hdus_field = a.string("hdusField").value_or("");
	o.max_header_blocks = static_cast<int>(a.integer("maxHeaderBlocks", 40, 1, 100000));
	a.boolean("gunzip", false); // accepted for DaCHS's sake: compression shows in the file
	for (const GrammarElement* mk : a.children("mapKeys")) {
		auto add = [&](std::string_view field, std::string_view key, const SourcePos& pos) {
			std::string f(trim(field)), k(trim(key));
			if (f.empty() || k.empty())
				throw Error(
				    ErrorKind::Validation,
				    concat("mapKeys: '", field, ":", key, "' needs a field name and a header keyword"), pos);
			o.map_keys.emplace_back(std::move(f), std::move(k));
		};
		for (auto& item : split_list(mk->text, ',')) {
			auto colon = item.find(':');
			if (colon == std::string::npos)
				throw Error(ErrorKind::Validation,
				            concat("mapKeys: '", item, "' is not field:KEYWORD (e.g. dateObs:DATE-OBS)"),
				            mk->pos);
			add(std::string_view(item).substr(0, colon), std::string_view(item).substr(colon + 1), mk->pos);
		}
		for (auto& m : mk->children) {
			if (m.name != "map")
				throw Error(ErrorKind::Name,
				            concat("unknown element '", m.name, "' in mapKeys; it takes map"), m.pos);
			const auto* key = m.attribute("key");
			if (!key) key = m.attribute("dest");
			if (!key) throw Error(ErrorKind::Validation, "map in mapKeys needs key naming the field", m.pos);
			add(key->value, m.text, m.pos);
		}
	}
	return o;
}

FitsProdGrammar::FitsProdGrammar(FitsProdGrammarOptions options, SourcePos pos)
    : Grammar(std::move(pos)), options_(std::move(options)) {}

std::unique_ptr<Grammar> FitsProdGrammar::create(const GrammarElement& el) {
	return std::make_unique<FitsProdGrammar>(FitsProdGrammarOptions::from_element(el), el.pos);
}

std::unique_ptr<RecordReader> FitsProdGrammar::open(const SourceInfo& source,
                                                    const ReadOptions& options) const {
	return std::make_unique<ProdReader>(std::make_shared<const SourceInfo>(source), options_, options);
}

} // namespace meles::rd::ingest
