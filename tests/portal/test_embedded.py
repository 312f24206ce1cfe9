"""The embedded default's server outlives the processes that use it, and `make stop`
(`portal.embedded.stop`) ends it whoever started it."""

import os
import subprocess
import sys

from django.conf import settings


def _python(code: str, data_dir) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PORTAL_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_stop_ends_the_server_that_another_process_started(tmp_path):
    pid_file = tmp_path / "pg" / "postmaster.pid"
    _python("from portal import embedded; embedded.database_url()", tmp_path)
    assert pid_file.exists()  # still running after the process that started it ended
    stopped = _python("from portal import embedded; print(embedded.stop())", tmp_path)
    assert stopped.stdout.strip() == "True"
    assert not pid_file.exists()
    again = _python("from portal import embedded; print(embedded.stop())", tmp_path)
    assert again.stdout.strip() == "False"  # nothing left to stop
