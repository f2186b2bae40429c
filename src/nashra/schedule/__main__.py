"""``python -m nashra.schedule worker|run|sources status…`` (same commands as ``nashra``)."""

from nashra.schedule.commands import standalone

standalone()(prog_name="nashra")
