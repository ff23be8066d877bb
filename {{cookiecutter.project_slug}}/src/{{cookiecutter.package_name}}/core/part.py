"""What an optional part of the app (metrics, tracing, the admin site) declares about itself.
`parts.py` lists the parts this bake has, and `create_app` mounts each of them."""

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from .config import Settings

# What a part does with the app's engine while the app runs (from its lifespan's start to end).
EngineHook = Callable[[AsyncEngine], AbstractContextManager[None]]


@dataclass(frozen=True, slots=True)
class Part:
    # Adds the part to the app (middleware, routes, mounts), leaving alone the paths machines
    # poll; returns what it needs to do with the engine, if anything.
    mount: Callable[[FastAPI, Settings, frozenset[str]], EngineHook | None]
    # Paths the part serves to machines every few seconds (never shed, logged or measured).
    polled_paths: frozenset[str] = frozenset()
