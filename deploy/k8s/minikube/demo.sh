#!/bin/sh
# Registers the first account through the Ingress, makes an API token, uploads
# an image with it and waits until the image is `completed`. Needs curl and node.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
profile=${MINIKUBE_PROFILE:-darkroom}
host=darkroom.local
base="https://$(minikube ip --profile "$profile")"
image=${1:-$root/tests/fixtures/photo.heic}
# ingress-nginx's self-signed certificate: -k; the Host header picks the Ingress rule.
call() { curl -sk -H "Host: $host" "$@"; }
field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s)$1;if(v===undefined)process.exit(1);console.log(v)})"; }

email="demo-$(date +%s)@example.com"
login=$(call -X POST "$base/api/auth/register" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$email\",\"password\":\"correct horse battery staple\"}" | field .token)
token=$(call -X POST "$base/api/tokens" -H "Authorization: Bearer $login" \
	-H 'Content-Type: application/json' -d '{"name":"minikube demo"}' | field .secret)
echo "API token made for $email"

id=$(call -X POST "$base/api/images" -H "Authorization: Bearer $token" -F "file=@$image" | field .id)
echo "Uploaded $image as $id; waiting for it to be completed…"
for _ in $(seq 1 120); do
	status=$(call "$base/api/images/$id" -H "Authorization: Bearer $token" | field .overallStatus)
	case $status in
		completed) echo "completed"; exit 0 ;;
		failed | partial) echo "ended $status" >&2; exit 1 ;;
	esac
	sleep 1
done
echo "still $status after 120 s" >&2
exit 1
