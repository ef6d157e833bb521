"""Waiting, said: the compile notice and ``skmi warmup``."""

import logging
import time
import types

from skmi._kernels import _jit
from skmi._warmup import PATHS, warmup
from skmi.cli import main as cli


def _event(module, start=True):
    func = types.FunctionType(compile("pass", "<x>", "exec"), {})
    func.__module__ = module
    status = _jit._event.EventStatus.START if start else _jit._event.EventStatus.END
    return _jit._event.Event("numba:compile", status,
                             data={"dispatcher": types.SimpleNamespace(py_func=func)})


def test_compile_notice_once_after_the_delay_and_only_for_skmi(monkeypatch, caplog):
    monkeypatch.setattr(_jit, "COMPILE_NOTICE_AFTER", 0.05)
    notice = _jit._CompileNotice()
    with caplog.at_level(logging.WARNING, logger="skmi"):
        notice.notify(_event("numpy.core"))           # not ours: no timer
        time.sleep(0.15)
        assert not notice.said
        notice.notify(_event("skmi._kernels.brute"))  # a fast compile: cancelled
        notice.notify(_event("skmi._kernels.brute", start=False))
        time.sleep(0.15)
        assert not notice.said
        notice.notify(_event("skmi._kernels.brute"))  # a slow one: said, once
        notice.notify(_event("skmi._kernels.kde"))    # nested
        time.sleep(0.15)
        notice.notify(_event("skmi._kernels.kde", start=False))
        notice.notify(_event("skmi._kernels.brute", start=False))
        notice.notify(_event("skmi._kernels.brute"))
        time.sleep(0.15)
    said = [r for r in caplog.records if "compiling its Numba kernels" in r.getMessage()]
    assert notice.said and len(said) == 1


def test_warmup_reaches_every_path(capsys):
    seconds = warmup()
    assert list(seconds) == list(PATHS) and all(s >= 0 for s in seconds.values())
    assert cli(["warmup"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in PATHS) and "compiled or loaded" in out
