"""A job that runs in the bot's event loop until it is stopped: the outbox worker, the retention purge."""
from __future__ import annotations

import asyncio


class Background:
    """`run()` loops for ever; `start()` schedules it once, `stop()` cancels it and waits for it to end."""

    task_name = "lahitori-job"
    _task: asyncio.Task | None = None

    async def run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self.run(), name=self.task_name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
