<?xml version="1.0" encoding="utf-8"?>
<!-- //procs — generic pieces for RDs (Meles system RD).

  For now the licence STREAMs, which set the rights meta of a resource:
  FEED them at the RD level with what="name of the resource":

    <FEED source="//procs#license-cc-by" what="The XY catalogue"/>

  The procedures are Python, run by the embedded interpreter (meles/rd/python):
  rowmaker applies (dictMap, mapValue, simpleSelect, fullQuery, resolveObject,
  printRow, debug), row filters (expandIntegers, expandDates, expandComma) and
  the condition streams rangeCond and negatableBoolean. -->
<resource schema="dc" resdir=".">
	<meta name="title">Generic procedures</meta>

	<procDef type="apply" id="dictMap">
		<doc>Replaces vars[key] by what a Python dictionary maps it to.  Values the
		mapping lacks raise a ValidationError unless default is given; with
		default=base.NotGiven they are kept as they are.</doc>
		<setup>
			<par key="mapping" description="A Python dictionary literal"/>
			<par key="key" description="Name of the var (raw field) to map"/>
			<par key="default" description="Value for keys the mapping lacks (KeyError: an error; base.NotGiven: keep the value)">KeyError</par>
		</setup>
		<code>
			old = vars[key]
			new = mapping.get(old, default)
			if new is KeyError:
				raise base.ValidationError("dictMap: %r is not among the keys of the mapping (%s)"
					% (old, ", ".join(repr(k) for k in mapping)), key)
			if new is base.NotGiven:
				new = old
			vars[key] = new
		</code>
	</procDef>

	<procDef type="apply" id="mapValue">
		<doc>Translates value through a name map file (lines of target, a tab, and
		blank-separated quoted-printable source keys; path relative to the inputs
		directory) and puts the result into vars[destination].</doc>
		<setup>
			<par key="destination" description="Name of the var the mapped value goes to"/>
			<par key="sourceName" description="Inputs-relative path of the name map file"/>
			<par key="logFailures" description="Log values the map lacks">False</par>
			<par key="failuresAreNone" description="Values the map lacks become None (instead of an error)">False</par>
			<par key="failuresMapThrough" description="Values the map lacks are kept (when failuresAreNone is False)">False</par>
			<par key="value" late="True" description="The value to map"/>
			<code>
				nameMap = utils.NameMap(os.path.join(base.getConfig("inputsDir"), sourceName))
			</code>
		</setup>
		<code>
			try:
				vars[destination] = nameMap.resolve(str(value))
			except KeyError:
				if logFailures:
					base.ui.notifyWarning("mapValue: %r is not in %s" % (value, sourceName))
				if failuresAreNone:
					vars[destination] = None
				elif failuresMapThrough:
					vars[destination] = value
				else:
					raise base.LiteralParseError(destination, value,
						hint="%s maps only %s" % (sourceName, " ".join(sorted(nameMap.namesDict))))
		</code>
	</procDef>

	<procDef type="apply" id="simpleSelect">
		<doc>Fills vars from the one row of table whose column equals val
		(assignments: "dbcol:varname, ..."; a var name may carry a default for
		NULLs, as in "dbcol:varname(0)").  No matching row is a ValidationError.</doc>
		<setup>
			<par key="assignments" description="Database columns and the vars they go to: dbcol:var, ..."/>
			<par key="table" description="Qualified name of the table to query"/>
			<par key="column" description="The column val is compared with"/>
			<par key="errCol" description="Name of the field errors are reported for">'&lt;unknown&gt;'</par>
			<par key="val" late="True" description="The value looked up"/>
			<code>
				_pairs = list(utils.parseAssignments(assignments).items())
				_query = "SELECT %s FROM %s WHERE %s = %%(val)s" % (
					", ".join(src for src, _ in _pairs), table, column)
				def _dest(spec, _re=re.compile(r"(\w+)\((.*)\)$")):
					m = _re.match(spec)
					return (m.group(1), m.group(2)) if m else (spec, None)
				_conn = None
			</code>
		</setup>
		<code>
			global _conn
			if _conn is None:
				_conn = base.getTableConn()
			rows = _conn.query(_query, {"val": val}).fetchall()
			if not rows:
				raise base.ValidationError("simpleSelect: no row of %s has %s = %r" % (table, column, val), errCol)
			for (src, spec), got in zip(_pairs, rows[0]):
				name, default = _dest(spec)
				vars[name] = default if got is None else got
		</code>
	</procDef>

	<procDef type="apply" id="fullQuery">
		<doc>Runs an SQL query (the apply's local names are its %(name)s parameters)
		and puts the first row's columns into vars; no row is a ValidationError.</doc>
		<setup>
			<par key="query" description="The SQL query"/>
			<par key="errCol" description="Name of the field errors are reported for">'&lt;unknown&gt;'</par>
		</setup>
		<code>
			args = dict(locals())
			conn = base.getTableConn()
			try:
				cursor = conn.query(query, args)
				names = [d[0] for d in cursor.description]
				rows = cursor.fetchall()
			finally:
				conn.close()
			if not rows:
				raise base.ValidationError("fullQuery: the query returned no row", errCol)
			vars.update(dict(zip(names, rows[0])))
		</code>
	</procDef>

	<procDef type="apply" id="resolveObject">
		<doc>Sets vars simbadAlpha and simbadDelta (ICRS degrees) for an object name.
		Meles does not ask a name resolver over the network while importing: names
		are looked up in the file resolverCache (blank-separated name, RA, Dec per
		line, inputs-relative; names with blanks as in the file's first column with
		_ for blanks) and names that are positions themselves ("J123456.7+123456")
		are decoded; others are unknown.</doc>
		<setup>
			<par key="ignoreUnknowns" description="Unknown names give None positions (else an error)">True</par>
			<par key="logUnknowns" description="Log unknown names">False</par>
			<par key="resolverCache" description="Inputs-relative file of name, RA, Dec lines (optional)">None</par>
			<par key="identifier" late="True" description="The name to resolve"/>
			<code>
				_known = {}
				if resolverCache:
					for line in utils.iterSimpleText(open(os.path.join(base.getConfig("inputsDir"), resolverCache))):
						parts = line.split()
						if len(parts) >= 3:
							_known[parts[0].replace("_", " ").lower()] = (float(parts[1]), float(parts[2]))
				_jname = re.compile(r"^J?(\d\d)(\d\d)(\d\d(?:\.\d*)?)([+-])(\d\d)(\d\d)(\d\d(?:\.\d*)?)$")
				def _resolve(name):
					key = " ".join(str(name).split()).lower()
					if key in _known:
						return _known[key]
					m = _jname.match(key.replace(" ", "").upper())
					if m:
						h, mi, se, sign, d, dm, ds = m.groups()
						ra = (int(h) + int(mi) / 60. + float(se) / 3600.) * 15
						dec = int(d) + int(dm) / 60. + float(ds) / 3600.
						return ra, (-dec if sign == "-" else dec)
					raise KeyError(name)
		</code>
		</setup>
		<code>
			ra, dec = None, None
			try:
				ra, dec = _resolve(identifier)
			except KeyError:
				if logUnknowns:
					base.ui.notifyInfo("resolveObject: %s is unknown" % identifier)
				if not ignoreUnknowns:
					raise base.ValidationError("resolveObject cannot resolve %r (Meles resolves without the network:"
						" give a resolverCache file)" % identifier, "identifier")
			vars["simbadAlpha"] = ra
			vars["simbadDelta"] = dec
		</code>
	</procDef>

	<procDef type="apply" id="printRow">
		<doc>Logs the row's vars (for debugging a rowmaker).</doc>
		<code>
			base.ui.notifyInfo("row: %r" % (vars,))
		</code>
	</procDef>

	<procDef type="apply" id="debug">
		<doc>DaCHS drops into the Python debugger here; Meles, which imports without a
		terminal, logs the row's vars and result instead.</doc>
		<code>
			base.ui.notifyInfo("debug: vars=%r result=%r" % (vars, result))
		</code>
	</procDef>

	<procDef type="rowfilter" id="expandIntegers">
		<doc>Makes one row per integer from row[startName] to row[endName] (both
		included), the integer in row[indName]; rows without both bounds pass
		unchanged.</doc>
		<setup>
			<par key="startName" description="Field with the first integer"/>
			<par key="endName" description="Field with the last integer"/>
			<par key="indName" description="Field the integer goes to"/>
		</setup>
		<code>
			try:
				first, last = int(row[startName]), int(row[endName])
			except (ValueError, TypeError):
				yield row
				return
			for i in range(first, last + 1):
				copy = dict(row)
				copy[indName] = i
				yield copy
		</code>
	</procDef>

	<procDef type="rowfilter" id="expandDates">
		<doc>Makes one row per point in time from row[start] to the end of the day
		row[end], hrInterval hours apart (at least 0.01, at most 100000 rows), the
		datetime in row[dest].</doc>
		<setup>
			<par key="dest" description="Field the datetime goes to">'curTime'</par>
			<par key="start" description="Field with the first date(time)"/>
			<par key="end" description="Field with the last date"/>
			<par key="hrInterval" late="True" description="Hours between the datetimes">24</par>
			<code>
				def _as_datetime(v, what):
					if isinstance(v, datetime.datetime):
						return v
					if isinstance(v, datetime.date):
						return datetime.datetime(v.year, v.month, v.day)
					try:
						return parseISODT(v)
					except Exception as ex:
						raise base.ValidationError("expandDates: bad %s date %r (%s)" % (what, v, ex), dest)
			</code>
		</setup>
		<code>
			t = _as_datetime(row[start], "start")
			stop = _as_datetime(row[end], "end") + datetime.timedelta(hours=23)
			try:
				step = max(float(hrInterval), 0.01)
			except ValueError:
				raise base.ValidationError("expandDates: hrInterval %r is no number" % (hrInterval,), "hrInterval")
			step = datetime.timedelta(hours=step)
			for _ in range(100000):
				if t > stop:
					break
				copy = dict(row)
				copy[dest] = t
				yield copy
				t = t + step
		</code>
	</procDef>

	<procDef type="rowfilter" id="expandComma">
		<doc>Makes one row per comma-separated item of row[srcField] (blanks around
		items dropped, empty items skipped), the item in row[destField].</doc>
		<setup>
			<par key="srcField" description="Field with the comma-separated list"/>
			<par key="destField" description="Field each item goes to"/>
		</setup>
		<code>
			text = row[srcField]
			if text is not None:
				for item in str(text).split(","):
					item = item.strip()
					if item:
						copy = dict(row)
						copy[destField] = item
						yield copy
		</code>
	</procDef>

	<procDef type="phraseMaker" id="makeRangeQuery">
		<doc>SQL for a pair of inputKeys giving a range (either bound may be missing).
		colName defaults to the first key's name without its last four characters
		(x_min gives x), as rangeCond names them.</doc>
		<setup>
			<par key="colName" late="True" description="The column compared">inputKeys[0].name[:-4]</par>
		</setup>
		<code>
			low, high = inputKeys
			lowVal, highVal = inPars.get(low.name), inPars.get(high.name)
			if lowVal is None and highVal is None:
				return
			if lowVal is None:
				yield "%s &lt;= %%(%s)s" % (colName, base.getSQLKey(high.name, highVal, outPars))
			elif highVal is None:
				yield "%s &gt;= %%(%s)s" % (colName, base.getSQLKey(low.name, lowVal, outPars))
			else:
				yield "%s BETWEEN %%(%s)s AND %%(%s)s" % (colName,
					base.getSQLKey(low.name, lowVal, outPars), base.getSQLKey(high.name, highVal, outPars))
		</code>
	</procDef>

	<STREAM id="rangeCond">
		<doc>A condition with a lower and an upper bound on a column (inputKeys
		name_min and name_max); FEED it with name (the column), groupdesc (what the
		range is of) and grouplabel (label of the form group, with the unit).</doc>
		<condDesc combining="True" joiner="AND">
			<inputKey name="\name\+_min" original="\name" tablehead="Min \grouplabel"
				description="Lower bound of \groupdesc"/>
			<inputKey name="\name\+_max" original="\name" tablehead="Max \grouplabel"
				description="Upper bound of \groupdesc"/>
			<phraseMaker procDef="//procs#makeRangeQuery"/>
		</condDesc>
	</STREAM>

	<STREAM id="negatableBoolean">
		<doc>A three-way condition (Yes, No, any) on a boolean column; FEED it with
		column (the column's name).</doc>
		<condDesc>
			<inputKey original="\column" type="text" required="False" multiplicity="single">
				<values>
					<option>Yes</option>
					<option>No</option>
				</values>
			</inputKey>
			<phraseMaker>
				<code>
					name = inputKeys[0].name
					given = inPars.get(name)
					if given == "Yes":
						yield name
					elif given == "No":
						yield "NOT " + name
				</code>
			</phraseMaker>
		</condDesc>
	</STREAM>

	<STREAM id="license-cc0">
		<doc>Rights meta for data dedicated to the public domain (CC0 1.0).</doc>
		<DEFAULTS what="This resource"/>
		<meta name="rights" format="rst">\what is published under CC0: to the extent possible under law,
			the authors have waived all copyright and related rights to it.</meta>
		<meta name="rights.rightsURI">https://creativecommons.org/publicdomain/zero/1.0/</meta>
	</STREAM>

	<STREAM id="license-cc-by">
		<doc>Rights meta for data under Creative Commons Attribution 4.0.</doc>
		<DEFAULTS what="This resource"/>
		<meta name="rights" format="rst">\RSTccby{\what}</meta>
		<meta name="rights.rightsURI">https://creativecommons.org/licenses/by/4.0/</meta>
	</STREAM>

	<STREAM id="license-cc-by-sa">
		<doc>Rights meta for data under Creative Commons Attribution-ShareAlike 4.0.</doc>
		<DEFAULTS what="This resource"/>
		<meta name="rights" format="rst">\RSTccbysa{\what}</meta>
		<meta name="rights.rightsURI">https://creativecommons.org/licenses/by-sa/4.0/</meta>
	</STREAM>
</resource>
