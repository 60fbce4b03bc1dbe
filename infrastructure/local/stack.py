"""The whole product on one machine: moto for AWS, the app, the site, kept on disk.

Start order: moto server → load the snapshot → bridge Lambda to the app →
provision (idempotent) → seed the demo tenant (first run only) → serve
the site and the API → snapshot every few seconds and once more at stop.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infrastructure.definitions import ROOT
from infrastructure.local import bridge, snapshot
from infrastructure.local import journal as wal
from infrastructure.local.provision import LocalResources, provision

SNAPSHOT_FILE = "moto-state.pickle"
DEMO_COMPANY = "Brocante du Marché"
DEMO_CREATION_YEAR = 2015
DEMO_PASSWORD = "brocante2015"
DEMO_USERS = {
    "manager": "gerant@brocante-du-marche.fr",
    "collaborator": "collaborateur@brocante-du-marche.fr",
    "shop": "boutique@brocante-du-marche.fr",
}


@dataclass
class StackConfig:
    port: int = 8000
    aws_port: int = 4566
    host: str = "127.0.0.1"
    data_dir: Path = field(default_factory=lambda: ROOT / ".local-data")
    site_dir: Path = field(default_factory=lambda: ROOT / "static-site")
    seed: bool = True
    snapshot_interval: float = 10.0
    verbose: bool = False
    # Every acknowledged write on disk before its answer (journal.py). Off only to measure its cost.
    journal: bool = True

    @classmethod
    def from_env(cls) -> StackConfig:
        env = os.environ
        config = cls()
        config.port = int(env.get("LOTBOOK_PORT", config.port))
        config.aws_port = int(env.get("LOTBOOK_AWS_PORT", config.aws_port))
        if env.get("LOTBOOK_DATA_DIR"):
            config.data_dir = Path(env["LOTBOOK_DATA_DIR"])
        return config


def software_version(root: Path = ROOT) -> str:
    """This checkout's commit (``git rev-parse --short HEAD``), "unknown" outside a git
    checkout: the app's ``LOTBOOK_VERSION``, recorded in each tenant's event log when it changes."""
    import subprocess

    try:
        found = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                               timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = found.stdout.strip()
    return commit if found.returncode == 0 and re.fullmatch(r"[0-9a-f]{4,40}", commit) else "unknown"


def _prepare_process_environment(config: StackConfig) -> None:
    os.environ.setdefault("LOTBOOK_VERSION", software_version())
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-3")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Lotbook")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    # No CloudWatch here: metrics would only be printed over the banner.
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # No X-Ray daemon either: the traced handlers' Tracer is a no-op (chalicelib/tracing.py).
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")


def _enable_state_machine_execution(endpoint: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).read()


def start_moto(host: str, port: int, verbose: bool = False, journal: wal.Journal | None = None) -> Any:
    """moto in server mode, with Step Functions really running its state machines.

    With a ``journal``, every acknowledged write is on disk before its answer
    leaves (``journal.py``).
    """
    import logging

    from moto.server import ThreadedMotoServer

    from infrastructure.local import moto_fixes

    moto_fixes.apply()
    if not verbose:  # ThreadedMotoServer(verbose=False) leaves werkzeug's request log on
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # Step Functions tasks call Lambda through this port (see DESIGN.md).
    os.environ["MOTO_PORT"] = str(port)
    if journal is None:
        server = ThreadedMotoServer(ip_address=host, port=port, verbose=verbose)
    else:
        server = wal.JournaledMotoServer(journal, ip_address=host, port=port, verbose=verbose)
    server.start()
    _enable_state_machine_execution(f"http://{host}:{port}")
    return server


def seed_demo_tenant(app: Any) -> bool:
    """Create the demo company, one user per profile, families and parties.

    Goes through the real routes. Returns False when the demo already exists.
    """
    from chalice.test import Client

    http = Client(app).http

    def call(method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = getattr(http, method)(
            path, headers=headers, body=json.dumps(body) if body is not None else None
        )
        if response.status_code >= 300 and not (path == "/api/signup" and response.status_code == 409):
            raise RuntimeError(f"seeding {method} {path}: {response.status_code} {response.body!r}")
        return response

    signup = call(
        "post",
        "/api/signup",
        {
            "company_name": DEMO_COMPANY,
            "creation_year": DEMO_CREATION_YEAR,
            "email": DEMO_USERS["manager"],
            "password": DEMO_PASSWORD,
            "first_name": "Martine",
            "last_name": "Dubois",
        },
    )
    if signup.status_code == 409:
        return False
    # The code the signup e-mailed (a file in LOTBOOK_MAIL_DIR), as the dealer would type it.
    from chalicelib.config import get_settings

    mails = sorted(Path(get_settings().mail_dir).glob(f"*-{DEMO_USERS['manager']}.eml"),
                   key=lambda p: int(p.name.split("-", 1)[0]))
    code = re.search(r"^\s+(\d{6})\s*$", mails[-1].read_text(encoding="utf-8"), re.MULTILINE)
    if code is None:
        raise RuntimeError(f"seeding: no confirmation code in {mails[-1]}")
    call("post", "/api/signup/confirm", {"email": DEMO_USERS["manager"], "code": code.group(1)})
    token = json.loads(
        call("post", "/api/auth/login", {"email": DEMO_USERS["manager"], "password": DEMO_PASSWORD}).body
    )["id_token"]
    for profile, first, last in (("collaborator", "Karim", "Benali"), ("shop", "Léa", "Martin")):
        call("post", "/api/users", {
            "email": DEMO_USERS[profile], "profile": profile, "password": DEMO_PASSWORD,
            "first_name": first, "last_name": last,
        }, token)
    call("put", "/api/company", {
        "legal_form": "SARL", "siren": "812345678", "siret": "81234567800017",
        "vat_number": "FR12812345678", "rcs": "RCS Nancy 812 345 678", "ape_code": "4779Z",
        "street_number": "12", "street_type": "PL", "street_name": "du Marché",
        "postcode": "54000", "city": "Nancy", "city_insee": "54395",
        "phone": "0383000000", "email": "contact@brocante-du-marche.fr",
        "contact_name": "Martine Dubois",
        "receipt_options": {"legal_mention": "Échange sous 8 jours sur présentation du ticket."},
    }, token)
    for label, metal in (("Bijoux or", True), ("Argenterie", True), ("Mobilier", False),
                         ("Tableaux", False), ("Vaisselle", False)):
        call("post", "/api/families", {"label": label, "metal_2093": metal}, token)
    call("post", "/api/suppliers", {
        "title": "M", "last_name": "Lefèvre", "first_names": "Jean Pierre",
        "birth_date": "1961-04-02", "birth_city": "Metz", "birth_department": "57",
        "street_number": "3", "street_type": "R", "street_name": "des Tanneurs",
        "postcode": "54000", "city": "Nancy", "country": "France",
        "id_document_type": "Carte nationale d'identité", "id_document_number": "880254301234",
        "id_document_date": "2018-06-11", "id_document_authority": "Préfecture de Meurthe-et-Moselle",
        "phone": "0611223344",
    }, token)
    call("post", "/api/suppliers", {
        "company_name": "Débarras Express", "siret": "52345678900021",
        "last_name": "Muller", "first_names": "Sophie", "street_number": "45",
        "street_type": "AV", "street_name": "de Strasbourg", "postcode": "54000", "city": "Nancy",
    }, token)
    call("post", "/api/clients", {
        "title": "MME", "last_name": "Garnier", "first_names": "Claire",
        "postcode": "54100", "city": "Nancy", "email": "claire.garnier@example.fr",
    }, token)
    return True


class LocalStack:
    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.resources: LocalResources | None = None
        self._moto: Any = None
        self._http: Any = None
        self._snapshotter: snapshot.PeriodicSnapshotter | None = None
        self._journal: wal.Journal | None = None
        self.replayed = 0
        self._scheduler: Any = None
        self._stopped = threading.Event()

    @property
    def endpoint(self) -> str:
        return f"http://{self.config.host}:{self.config.aws_port}"

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}/"

    def start(self) -> LocalResources:
        config = self.config
        _prepare_process_environment(config)
        config.data_dir.mkdir(parents=True, exist_ok=True)
        snapshot_path = config.data_dir / SNAPSHOT_FILE
        journal_dir = config.data_dir / wal.JOURNAL_DIR
        had_snapshot = snapshot_path.exists()
        header = snapshot.read_header(snapshot_path) if had_snapshot else None
        restored = snapshot.load_snapshot(snapshot_path)
        if had_snapshot and not restored and journal_dir.exists():
            # The journal continues a state that could not be loaded: keep it aside.
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
            journal_dir.rename(journal_dir.with_name(f"{journal_dir.name}.unusable-{stamp}"))
        wal_seq = int((header or {}).get("wal_seq", 0)) if restored else 0
        # What was acknowledged after the snapshot: replayed over it below.
        entries = wal.read_entries(journal_dir, after=wal_seq)
        if config.journal:
            last_seq = max(wal_seq, entries[-1]["seq"] if entries else 0)  # every entry above wal_seq
            self._journal = wal.Journal(journal_dir, last_seq=last_seq, scan=False)

        self._moto = start_moto(config.host, config.aws_port, config.verbose, self._journal)
        if entries:  # replayed even with the journal off: they were acknowledged
            started = time.perf_counter()
            self.replayed = wal.replay(wal.moto_app(self._moto), entries)
            restored = True
            logging.getLogger(__name__).info(
                "%d journaled writes replayed (%d entries) in %.2f s",
                self.replayed, len(entries), time.perf_counter() - started)
            if self._journal is None:  # fold them into the snapshot, the journal stops here
                snapshot.save_snapshot(snapshot_path, wal_seq=entries[-1]["seq"])
                for _first, segment in wal.segments(journal_dir):
                    segment.unlink()

        from app import app  # the app reads no setting at import
        from chalicelib.config import reset_settings

        bridge.install(app)
        self.resources = provision(app, self.endpoint)
        os.environ.update(self.resources.environment())
        # No mail server here: each e-mail sent (signup codes) is a file in this folder.
        os.environ.setdefault("LOTBOOK_MAIL_DIR", str(self.mailbox))
        reset_settings()

        self.seeded = config.seed and seed_demo_tenant(app)
        self.restored = restored

        from infrastructure.local.server import LocalServer

        self._http = LocalServer(app, config.site_dir, config.host, config.port, config.verbose)
        self._http.start()
        self._snapshotter = snapshot.PeriodicSnapshotter(
            snapshot_path, config.snapshot_interval, journal=self._journal)
        self._snapshotter.start()
        from infrastructure.local.scheduler import LocalScheduler, invoke_through_moto

        self._scheduler = LocalScheduler(app, invoke_through_moto(self.endpoint, self.resources.region))
        self._scheduler.start()  # the app's @app.schedule handlers, as EventBridge fires them
        return self.resources

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        if self._scheduler is not None:
            self._scheduler.stop()
        if self._http is not None:
            self._http.stop()
        if self._snapshotter is not None:
            try:
                self._snapshotter.stop()  # writes a last snapshot
            except wal.CutTimeout:  # writes kept coming: they are in the journal all the same
                logging.getLogger(__name__).warning("no final snapshot: the journal will be replayed at start")
        if self._moto is not None:
            self._moto.stop()
        if self._journal is not None:
            self._journal.close()
        bridge.uninstall()

    @property
    def mailbox(self) -> Path:
        return Path(os.environ.get("LOTBOOK_MAIL_DIR") or self.config.data_dir / "mail")

    def banner(self) -> str:
        lines = [
            "",
            "Lotbook tourne en local.",
            f"  Site          {self.url}",
            f"  API           {self.url}api",
            f"  AWS local     {self.endpoint}   (aws --endpoint-url {self.endpoint} ...)",
            f"  Données       {self.config.data_dir}"
            + ("  (reprises de la dernière session)" if self.restored else ""),
            f"  E-mails       {self.mailbox}   (codes de confirmation des inscriptions, un fichier .eml par envoi)",
            "",
            f"Entreprise de démonstration : {DEMO_COMPANY} (création {DEMO_CREATION_YEAR})",
        ]
        for profile, email in DEMO_USERS.items():
            lines.append(f"  {profile:<13} {email:<40} mot de passe : {DEMO_PASSWORD}")
        lines += ["", "Ctrl-C pour arrêter (les données sont conservées).", ""]
        return "\n".join(lines)


def wait_healthy(url: str, timeout: float = 30.0) -> float:
    """Seconds until ``GET <url>api/health`` answers 200."""
    start = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url + "api/health", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{url} not healthy after {timeout} s")
        time.sleep(0.05)
