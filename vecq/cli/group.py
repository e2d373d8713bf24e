"""The command group's error edge: every expected failure becomes one line on stderr and an exit code.

``VecqGroup.main`` is the only place that catches errors. It also loads the commands listed in
``lazy_commands`` only when they are used, so a query does not import the others.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import NoReturn

import click

from ..errors import ExitCode, VecqError, defect, one_line


def command_tree(
    cmd: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every (path, command) under ``cmd``, itself first with ``path``; lazy commands are loaded."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is not None:
                yield from command_tree(sub, (*path, name))


class VecqGroup(click.Group):
    """Turns every expected failure into one line on stderr and a documented exit code.

    Also loads the commands named in ``lazy_commands`` ("module:attribute") only when they are used.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # name -> ("module:attribute", the one line --help shows for it)
        self.lazy_commands: dict[str, tuple[str, str]] = {}
        # another tool's command -> (what it is, the vecq command that asks the same question)
        self.known_elsewhere: dict[str, tuple[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy_commands and name not in self.commands:
            import copy
            import importlib

            where, short = self.lazy_commands[name]
            module, attr = where.split(":")
            command = copy.copy(getattr(importlib.import_module(module), attr))  # "nearest" shares one
            command.short_help = short  # the line --help shows, loaded or not
            self.add_command(command, name)
        return super().get_command(ctx, name)

    def resolve_command(self, ctx: click.Context, args: list[str]):
        """The command ``args`` name; a name that is none, with the commands spelt like it."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            import difflib

            if name.lower() in self.known_elsewhere:
                what, ours = self.known_elsewhere[name.lower()]
                ctx.fail(f"no command {name!r}; {what} is {ours}")
            near = difflib.get_close_matches(name, self.list_commands(ctx), n=3, cutoff=0.6)
            if near:
                ctx.fail(f"no command {name!r}; did you mean {' or '.join(near)}?")
            ctx.fail(f"no command {name!r}; a word goes after a command, as in 'vecq neighbors {name}'")
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their lines, without importing a command module to show them."""
        rows = []
        for name in self.list_commands(ctx):
            loaded = self.commands.get(name)
            if loaded is not None and loaded.hidden:
                continue
            line = loaded.get_short_help_str(200) if loaded is not None else self.lazy_commands[name][1]
            rows.append((name, line))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        from ..cache.files import guarding_inputs

        # Caught here, before click's own EPIPE handling turns a closed pipe into exit 1.
        try:
            with guarding_inputs():  # no -o of a command writes over a file it reads
                return super().invoke(ctx)
        except BrokenPipeError:
            _silence_stdout()
            return int(ExitCode.OK)

    def _misplaced(self, e: click.NoSuchOption, args: list[str]) -> str | None:
        """Why an option of the command came before its name (``vecq -f json neighbors cat``), and
        where it goes; None when the option is not the command's."""
        if e.ctx is None or e.ctx.command is not self:
            return None
        name = next((a for a in args if a in self.list_commands(e.ctx)), None)
        command = self.get_command(e.ctx, name) if name else None
        if command is None:
            return None
        option = option_name(e)
        param = next((p for p in command.params if option in (*p.opts, *p.secondary_opts)), None)
        if param is None:
            return None
        at = next((i for i, a in enumerate(args) if a == option or a.startswith(option + "=")), None)
        if at is None:  # given joined to its value (-fjson)
            return f"{option} is an option of 'vecq {name}': it goes after the command's name"
        takes_value = isinstance(param, click.Option) and not param.is_flag and not param.count
        moved = args[at : at + 1 + (max(param.nargs, 1) if takes_value and args[at] == option else 0)]
        rest = args[:at] + args[at + len(moved) :]
        import shlex

        fixed = shlex.join([*rest, *moved])
        return (
            f"{option} is an option of 'vecq {name}': it goes after the command's name, as in: vecq {fixed}"
        )

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            rv = super().main(args, prog_name or "vecq", complete_var, standalone_mode=False, **extra)
        except VecqError as e:
            _say(f"error: {e.message}")
            sys.exit(int(e.exit_code))
        except click.exceptions.NoArgsIsHelpError as e:  # bare `vecq`: its help, as asked for
            click.echo(e.ctx.get_help() if e.ctx else "")
            sys.exit(int(ExitCode.OK))
        except click.NoSuchOption as e:
            where = e.ctx.command_path if e.ctx else "vecq"
            misplaced = self._misplaced(e, sys.argv[1:] if args is None else list(args))
            if misplaced:
                _say(f"error: {misplaced}")
                sys.exit(e.exit_code)
            _say(
                f"error: {e.format_message()} (see '{where} --help'); if {e.option_name!r} is a word or a "
                f"term of an expression, put -- before the words ({where} -- {e.option_name} ...) "
                "or quote the whole expression"
            )
            sys.exit(e.exit_code)
        except click.UsageError as e:
            where = e.ctx.command_path if e.ctx else "vecq"
            _say(f"error: {e.format_message()} (see '{where} --help')")
            sys.exit(e.exit_code)
        except click.ClickException as e:
            _say(f"error: {e.format_message()}")
            sys.exit(e.exit_code)
        except (click.Abort, KeyboardInterrupt) as e:
            if isinstance(e.__cause__, EOFError):  # click's main takes any EOFError for Ctrl-D
                _failed(e.__cause__)
            _say("interrupted")
            sys.exit(int(ExitCode.INTERRUPTED))
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(int(ExitCode.OK))
        except OSError as e:  # the answer could not be written (a full disk, a closed stdout), or a file
            named = f"{e.filename}: " if e.filename else "cannot write the answer: "
            _say(f"error: {named}{e.strerror or e}")
            sys.exit(int(ExitCode.FAILURE))
        except UnicodeEncodeError as e:
            if not _written_by_stdout(e):
                _failed(e)
            _say(_unwritable(e))
            sys.exit(int(ExitCode.FAILURE))
        except Exception as e:  # a defect of vecq's: still one line, as the server's 500 (serve/routes.py)
            _failed(e)
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except OSError as e:
            _say(f"error: cannot write the answer: {e.strerror or e}")
            sys.exit(int(ExitCode.FAILURE))
        sys.exit(rv if isinstance(rv, int) else 0)


def option_name(e: click.NoSuchOption) -> str:
    """The option a NoSuchOption names, without a value given with '=' (``--format=json``)."""
    return e.option_name.split("=", 1)[0]


def _written_by_stdout(e: UnicodeEncodeError) -> bool:
    """Was ``e`` standard output's encoding failing on an answer (not a defect of vecq's)?"""
    import codecs

    try:
        return codecs.lookup(e.encoding).name == codecs.lookup(sys.stdout.encoding).name
    except (LookupError, AttributeError, TypeError):
        return False


def _unwritable(e: UnicodeEncodeError) -> str:
    char = e.object[e.start]
    return (
        f"error: standard output is {e.encoding} (PYTHONIOENCODING or the locale), which cannot write "
        f"{char!r} (U+{ord(char):04X}) of an answer; set PYTHONIOENCODING=utf-8 or a UTF-8 locale, or "
        "give -f json (it writes such characters as \\u escapes)"
    )


def _failed(e: Exception) -> NoReturn:
    """A defect of vecq's: one line, exit 1."""
    _say(f"error: vecq failed ({defect(e)}); a defect of vecq's: please report it with the command")
    sys.exit(int(ExitCode.FAILURE))


def _say(message: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr closed: the exit code says it
        click.echo(f"vecq: {one_line(message)}", err=True)


def _silence_stdout() -> None:
    """After the reader of our output went away: point stdout at /dev/null so exit is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
