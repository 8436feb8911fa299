#!/bin/sh
# A local cluster running Darkroom as it runs in production: minikube with
# ingress-nginx, KEDA, the observability stack, an in-cluster PostgreSQL and
# MinIO (dependencies.yaml, for this demo only), and the image built from this
# checkout. Needs minikube, kubectl, helm. Then: ./demo.sh; ./teardown.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
profile=${MINIKUBE_PROFILE:-darkroom}

minikube start --profile "$profile" --cpus 4 --memory 8g
minikube addons enable ingress --profile "$profile"
kubectl config use-context "$profile"

helm repo add kedacore https://kedacore.github.io/charts >/dev/null
helm repo update >/dev/null
helm upgrade --install keda kedacore/keda --namespace keda --create-namespace --wait

# Prometheus Operator's CRDs (PodMonitor, PrometheusRule) come with the stack.
sh "$root/deploy/k8s/observability/install.sh"

echo 'Building the image inside minikube…'
minikube image build --profile "$profile" -t darkroom:dev "$root"

kubectl apply -f "$here/dependencies.yaml"
kubectl -n darkroom rollout status deployment/postgres --timeout=180s
kubectl -n darkroom rollout status deployment/minio --timeout=180s
kubectl -n darkroom wait --for=condition=complete job/create-bucket --timeout=180s

kubectl -n darkroom delete job darkroom-migrate --ignore-not-found
kubectl apply -k "$here"
kubectl -n darkroom wait --for=condition=complete job/darkroom-migrate --timeout=300s
kubectl -n darkroom rollout status deployment/darkroom-web --timeout=300s
kubectl -n darkroom rollout status deployment/darkroom-worker --timeout=300s
echo "Ready: http://darkroom.local via $(minikube ip --profile "$profile") (./demo.sh sends the Host header itself)"
