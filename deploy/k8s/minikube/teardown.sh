#!/bin/sh
# Removes the whole demo cluster (Darkroom, its data, the observability stack).
set -eu
minikube delete --profile "${MINIKUBE_PROFILE:-darkroom}"
