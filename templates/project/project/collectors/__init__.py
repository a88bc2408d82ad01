"""This project's collectors: one package per collector (`dd-toolkit new NAME` adds one)."""
