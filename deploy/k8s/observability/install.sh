#!/bin/sh
# The observability stack from the upstream Helm charts, in the `observability`
# namespace: kube-prometheus-stack (Prometheus, Alertmanager, Grafana with its
# dashboard sidecar), Loki, Alloy (log shipper) and Tempo. Darkroom's PodMonitor,
# PrometheusRule and dashboard ConfigMap come with deploy/k8s/base.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
namespace=${NAMESPACE:-observability}

helm repo add prometheus-community https://prometheus-community.github.io/helm-charts >/dev/null
helm repo add grafana https://grafana.github.io/helm-charts >/dev/null
helm repo update >/dev/null

helm upgrade --install kube-prometheus-stack prometheus-community/kube-prometheus-stack \
	--namespace "$namespace" --create-namespace --values "$here/kube-prometheus-stack.yaml" --wait
helm upgrade --install loki grafana/loki \
	--namespace "$namespace" --values "$here/loki.yaml" --wait
helm upgrade --install alloy grafana/alloy \
	--namespace "$namespace" --values "$here/alloy.yaml" --wait
helm upgrade --install tempo grafana/tempo \
	--namespace "$namespace" --values "$here/tempo.yaml" --wait

echo "Grafana: kubectl -n $namespace port-forward svc/kube-prometheus-stack-grafana 3001:80"
echo "  user admin, password: kubectl -n $namespace get secret kube-prometheus-stack-grafana -o jsonpath='{.data.admin-password}' | base64 -d"
