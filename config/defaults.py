"""Default settings. Each is overridden by the environment variable of the same name."""

PORT = 8000
"""TCP port the web process listens on."""

SS_HOST = "0.0.0.0"
"""Address the web process binds to."""

SS_DATA_DIR = "./var"
"""Where the bundled Redis keeps its data and bootstrap puts the default space."""

REDIS_URL = ""
"""Redis holding queues and catalogue; empty means the private one `sspkg run` starts."""

SS_REDIS_PREFIX = "ss"
"""Prefix of every catalogue key in Redis."""

SS_REDIS_SOCKET_TIMEOUT = 2.0
"""Seconds a web request waits on Redis before answering 503."""

SS_BOOTSTRAP_API_KEY = ""
"""`user:key` of an admin user created by bootstrap when missing."""

SS_SYNC_WAIT_SECONDS = 60.0
"""How long a synchronous v2 call waits for its job before answering 202 instead."""

SS_JOB_TIMEOUT_MIN = 600
"""Seconds every disk job may run, whatever its size."""

SS_JOB_MIN_THROUGHPUT = 20 * 1024 * 1024
"""Bytes per second a store job is assumed to reach at worst; sets its timeout."""

SS_JOB_TIMEOUT_UNKNOWN_SIZE = 6 * 3600
"""Timeout of a store whose client sent no size."""

SS_JOB_RETRIES = 3
"""Retries of a job after a transient failure (or a dead worker)."""

SS_JOB_RETRY_INTERVALS = "3,15,60"
"""Seconds between retries, one per attempt."""

SS_JOB_RESULT_TTL = 7 * 24 * 3600
"""How long a finished job document is kept (and `async/<id>/` answers)."""

SS_JOB_FAILURE_TTL = 365 * 24 * 3600
"""How long a failed job document is kept."""

SS_PROGRESS_INTERVAL = 0.5
"""Least seconds between two progress reports of a job."""

SS_HASH_PROCESSES = 0
"""Threads hashing in parallel during verification; 0 means one per core."""

SS_QUEUES = "store,default,fixity,audit"
"""Queues a worker takes jobs from, in priority order."""

SS_MAX_REQUEST_BYTES = 10 * 1024 * 1024
"""Largest request body accepted (413 beyond)."""

SS_CALLBACK_SECRET = ""
"""HMAC-SHA256 key signing callbacks (X-Signature); empty: a random key kept in Redis."""

SS_CALLBACK_RETRIES = 8
"""Deliveries of a callback after the first that failed (non-2xx or no answer)."""

SS_CALLBACK_RETRY_INTERVALS = "5,15,30,60,120,300,600,900"
"""Seconds between callback deliveries."""

SS_CALLBACK_TIMEOUT = 10.0
"""Seconds a callback receiver has to answer."""

SS_POST_STORE_CALLBACK_URL = ""
"""URL told of every package stored (the final store job document), like SS's post-store callbacks."""

SS_CALLBACK_ALLOWED_HOSTS = ""
"""Comma-separated hosts callbacks may go to; empty allows any host."""

SS_IDEMPOTENCY_TTL = 24 * 3600
"""How long an Idempotency-Key is remembered."""

SS_DOWNLOAD_TTL = 24 * 3600
"""How long a prepared download is kept."""

SS_JOB_MONITORING_INTERVAL = 5
"""Seconds between a busy worker's heartbeats."""

SS_HEARTBEAT_GRACE = 10
"""Seconds past a missed heartbeat before a job counts as abandoned (RQ hard-codes 60)."""

SS_WORKER_TTL = 30
"""Seconds a worker's registration lives without renewal (a dead worker vanishes then)."""

SS_MAINTENANCE_INTERVAL = 30
"""Seconds between a worker's own registry maintenance runs."""

SS_WORKER_GRACE = 20
"""Seconds a worker told to stop (SIGTERM) lets its job run before handing it back."""

SS_SUPERVISOR_INTERVAL = 2
"""Seconds between two supervisor rounds (registry cleanup, reconciliation)."""

SS_ORPHAN_STAGING_AGE = 600
"""Seconds before a staging directory that no job owns is removed."""

SS_REDIS_APPENDFSYNC = "everysec"
"""fsync policy of the private Redis's append-only file: everysec (a crash may lose the last
second) or always (nothing acknowledged is lost; every write waits for the disk)."""

SS_METRICS_OPEN = False
"""Serve /metrics without authentication (for a scraper inside a trusted network)."""

SS_AUDIT_PERIOD_DAYS = 30
"""Every stored AIP is fixity-checked at least once in this many days."""

SS_AUDIT_WORKER_SHARE = 0.5
"""Largest share of the live workers that audits may hold at once (at least one job)."""

SS_AUDIT_EVERY = 300
"""Seconds between two audit scheduling runs of the cron process."""

SS_POST_FIXITY_CALLBACK_URL = ""
"""URL told of every audit that found damage (the audit job's document)."""

SS_ALLOWED_SPACE_ROOTS = ""
"""Comma-separated directories under which spaces may be created; empty allows any absolute path."""

SS_MAX_JSON_DEPTH = 32
"""Deepest nesting of arrays and objects accepted in a JSON body (400 beyond)."""

SS_WORKER_NICE = 10
"""CPU niceness added to worker processes, so disk jobs never starve the API of CPU."""
