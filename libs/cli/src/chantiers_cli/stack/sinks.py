"""Start and stop the SMTP and trace sinks as background processes."""

from __future__ import annotations

import sys

from .layout import StackLayout
from .processes import read_pid, spawn, stop_pid, wait_port


def start_smtp(layout: StackLayout) -> None:
    if read_pid(layout.pid_file("smtp-sink")):
        return
    spawn([sys.executable, "-m", "chantiers_cli.sinks.smtp", "--port", str(layout.smtp_port),
           "--dir", str(layout.outbox_dir)], log=layout.logs_dir / "smtp-sink.log",
          pid_file=layout.pid_file("smtp-sink"))
    wait_port(layout.smtp_port, timeout=20, what="SMTP sink")


def start_otlp(layout: StackLayout) -> None:
    if read_pid(layout.pid_file("trace-sink")):
        return
    spawn([sys.executable, "-m", "chantiers_cli.sinks.otlp", "--port", str(layout.otlp_port),
           "--file", str(layout.traces_file)], log=layout.logs_dir / "trace-sink.log",
          pid_file=layout.pid_file("trace-sink"))
    wait_port(layout.otlp_port, timeout=20, what="trace sink")


def stop_smtp(layout: StackLayout) -> bool:
    return stop_pid(layout.pid_file("smtp-sink"))


def stop_otlp(layout: StackLayout) -> bool:
    return stop_pid(layout.pid_file("trace-sink"))
