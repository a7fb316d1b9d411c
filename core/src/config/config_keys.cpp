// The table of every configuration key.  Adding a key here documents it too:
// docs/configuration.md is generated from this table (and a test checks it is current).
#include "meles/core/config/config.hpp"

namespace meles {

const std::vector<ConfigKey>& config_keys() {
	using T = ConfigType;
	static const std::vector<ConfigKey> keys = {
	    // [general]
	    {"general", "inputsDir", T::Path, "{stateDir}/inputs",
	     "Directory holding the resource descriptors; an RD's id is its path below here without `.rd`."},
	    {"general", "logDir", T::Path, "{stateDir}/logs", "Directory for the daemon's log files."},
	    {"general", "logLevel", T::Enum, "info", "Least severe message that is logged.", "debug,info,warning,error"},
	    {"general", "tmpDir", T::Path, "{stateDir}/tmp", "Scratch space (spooled FITS output, uploads in flight)."},
	    {"general", "defaultMetaFile", T::Path, "{stateDir}/etc/defaultmeta.txt",
	     "Site-wide meta stream every RD inherits from (publisher, contact, ...)."},
	    {"general", "user", T::String, "meles",
	     "Unprivileged system user that owns the embedded database and runs the daemon when Meles is "
	     "started as root (PostgreSQL refuses to run as root). Created by `meles init` if missing."},

	    // [web]
	    {"web", "bindAddress", T::String, "127.0.0.1", "Address the HTTP server listens on."},
	    {"web", "serverPort", T::Integer, "8080", "TCP port of the HTTP server.", {}, 1, 65535},
	    {"web", "serverURL", T::Url, "http://{bindAddress}:{serverPort}",
	     "Public base URL of the service, used in capabilities, job URLs and registry records."},
	    {"web", "sitename", T::String, "Unnamed data centre",
	     "Name of the site, in the titles of the registry's own records and of the TAP service."},
	    {"web", "ioThreads", T::Integer, "4",
	     "Threads the server starts with; each runs the event loop and request handlers.", {}, 1, 256},
	    {"web", "workers", T::Integer, "256",
	     "Most threads the server grows to when requests block (slow queries, slow clients); one thread "
	     "always stays free for new requests until this limit.", {}, 1, 4096},
	    {"web", "maxClientRequests", T::Integer, "16",
	     "Requests of one client address handled at once; further ones wait, holding no thread, until "
	     "one of them ends, so that one client cannot take every thread (0: no limit).", {}, 0, 4096},
	    {"web", "readTimeout", T::Duration, "30",
	     "Seconds a client may take to send a request's headers (and each part of its body).", {}, 1, 86400},
	    {"web", "idleTimeout", T::Duration, "60", "Seconds an idle keep-alive connection is kept open.", {}, 1, 86400},
	    {"web", "writeTimeout", T::Duration, "300",
	     "Seconds a client may stall reading a response before the connection is dropped.", {}, 1, 86400},
	    {"web", "slowClientSpool", T::Size, "1G",
	     "Bytes of a TAP or cone search result kept in a temporary file for a client that reads more "
	     "slowly than the database delivers, so that the client does not hold a database connection; "
	     "past that, the result ends with an error.", {}, 0, INT64_MAX},
	    {"web", "maxBodySize", T::Size, "64M",
	     "Largest request body accepted by ordinary endpoints (uploads have their own limits).", {}, 1024,
	     INT64_MAX},
	    {"web", "shutdownGrace", T::Duration, "30",
	     "On SIGTERM, seconds running requests get to finish before the daemon exits.", {}, 0, 3600},
	    {"web", "passwordChecks", T::Integer, "0",
	     "Password checks (Argon2id: 64 MiB and about 0.1 s of a core each) that may run at once; 0: one "
	     "per core. Further logins wait for a turn.", {}, 0, 256},
	    {"web", "passwordCheckQueue", T::Integer, "16",
	     "Logins that may wait for a password check; beyond that they are answered 503 with Retry-After at "
	     "once.", {}, 0, 4096},
	    {"web", "passwordCheckWait", T::Duration, "5",
	     "Seconds a login waits for a password check before it is answered 503 with Retry-After.", {}, 0, 300},

	    // [db]
	    {"db", "dsn", T::String, "",
	     "libpq connection string or URI of an external PostgreSQL database (admin role). Empty: Meles "
	     "runs its own PostgreSQL cluster in {stateDir}/pgdata, reachable only through a Unix socket."},
	    {"db", "database", T::String, "meles", "Database name used in the embedded cluster."},
	    {"db", "adminRole", T::String, "meles_admin", "Role for ingestion, DDL and bookkeeping."},
	    {"db", "readRole", T::String, "meles_ro",
	     "Role every web query runs under; it may only read published tables."},
	    {"db", "readPassword", T::String, "",
	     "Password of readRole for an external database (the embedded one needs none)."},
	    {"db", "poolSize", T::Integer, "8", "Connections for web queries.", {}, 1, 1000},
	    {"db", "maxPerClient", T::Integer, "0",
	     "Connections for web queries one client address may use at once (0: all but one of poolSize, "
	     "which stays free for others).", {}, 0, 1000},
	    {"db", "acquireTimeout", T::Duration, "10",
	     "Seconds a web query waits for a free connection before it is answered 503 (Retry-After).", {}, 0,
	     3600},
	    {"db", "adminPoolSize", T::Integer, "4", "Connections for bookkeeping in the daemon.", {}, 1, 100},
	    {"db", "uploadPoolSize", T::Integer, "4",
	     "Connections for uploads into persistent user tables (PUT /tap/user_tables/NAME). An upload takes one "
	     "only once its VOTable's data begins; while all are in use, further uploads are answered 503.",
	     {}, 1, 100},
	    {"db", "pgBinDir", T::Path, "/usr/lib/postgresql/15/bin",
	     "Where initdb, pg_ctl and postgres are (embedded cluster only)."},

	    // [ivoa]
	    {"ivoa", "authority", T::String, "x-unregistered",
	     "Registry authority; identifiers are ivo://<authority>/<rd id>/<element id>."},
	    {"ivoa", "oaipmhPageSize", T::Integer, "500",
	     "Records in one OAI-PMH response (/oai.xml); longer lists continue with a resumption token.", {}, 1,
	     100000},
	    // persistent user tables (//tap_user, docs/user-tables.md)
	    {"ivoa", "userTableDays", T::Real, "7",
	     "Days a persistent user table lives after its creation before the reaper drops it "
	     "(fractions allowed)."},
	    {"ivoa", "userTableMaxDays", T::Real, "30",
	     "Longest lifetime, in days from now, a user may ask for with POST .../user_tables/NAME/destruction."},
	    {"ivoa", "userTableMaxBytes", T::Size, "10G",
	     "Disk space (tables with their indexes) each account may use for persistent user tables; "
	     "`meles adm quota` overrides it per account.", {}, 0, INT64_MAX},
	    {"ivoa", "userTableMaxCount", T::Integer, "100",
	     "Persistent user tables each account may have at once; `meles adm quota` overrides it per account.", {}, 0,
	     INT64_MAX},
	    {"ivoa", "anonymousTableMaxBytes", T::Size, "1G",
	     "Disk space all anonymous user tables together may use (they share one namespace).", {}, 0, INT64_MAX},
	    {"ivoa", "anonymousTableMaxCount", T::Integer, "100",
	     "Anonymous user tables that may exist at once.", {}, 0, INT64_MAX},
	    {"ivoa", "userTableSpatialIndex", T::Enum, "q3c",
	     "Index that INDEX=ra,dec creates on a user table: q3c (q3c_ang2ipix, the faster choice for "
	     "crossmatches) or pgsphere (GiST on spoint).",
	     "q3c,pgsphere"},

	    // [async]
	    {"async", "defaultMAXREC", T::Integer, "20000", "Rows returned when a query gives no MAXREC.", {}, 0,
	     INT64_MAX},
	    {"async", "hardMAXREC", T::Integer, "20000000", "Largest MAXREC a client may ask for.", {}, 1, INT64_MAX},
	    {"async", "maxTAPRunning", T::Integer, "4",
	     "Asynchronous jobs executing at once; further jobs wait in phase QUEUED.", {}, 1, 1000},
	    {"async", "defaultExecTime", T::Duration, "3600",
	     "Execution time limit of asynchronous jobs, in seconds (EXECUTIONDURATION).", {}, 1, 86400 * 30},
	    {"async", "defaultExecTimeSync", T::Duration, "60",
	     "Execution time limit of synchronous queries; when hit, the client gets HTTP 408.", {}, 1, 86400},
	    {"async", "defaultLifetime", T::Duration, "172800",
	     "Seconds until an asynchronous job is destroyed (its DESTRUCTION time).", {}, 60, 86400 * 365},
	    {"async", "maxWait", T::Duration, "300", "Longest blocking WAIT on a job, whatever the client asks.", {}, 0,
	     3600},
	    {"async", "maxWaitsPerClient", T::Integer, "8",
	     "Blocking WAITs one client address may have at once (they hold no thread); further ones are "
	     "answered at once with the job as it is.", {}, 0, 100000},

	    // [upload]
	    {"upload", "maxSyncUploadSize", T::Size, "64M",
	     "Largest total size of tables uploaded with a synchronous TAP query (UPLOAD).", {}, 0, INT64_MAX},
	    {"upload", "maxUploadSize", T::Size, "1G",
	     "Largest total size of tables uploaded with an asynchronous TAP job, or fetched from a URL.", {}, 0,
	     INT64_MAX},
	    {"upload", "urlNetworks", T::Enum, "public",
	     "Which addresses UPLOAD URLs may lead to: public (the Internet only), loopback (also this "
	     "host: 127/8, ::1), private (also 10/8, 172.16/12, 192.168/16, fc00::/7, ...). Link-local "
	     "addresses (cloud metadata services) and this server itself are always refused.",
	     "public,loopback,private"},
	    {"upload", "maxUserTableUploadSize", T::Size, "2G",
	     "Largest body of a PUT /tap/user_tables/NAME (the VOTable streamed into a persistent user table; "
	     "quotas limit what is stored, this what may be sent).",
	     {}, 1, INT64_MAX},
	};
	return keys;
}

}  // namespace meles
