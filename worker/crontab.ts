import type { TaskList } from 'graphile-worker'

// Maintenance tasks and their schedule (graphile-worker crontab syntax). Run
// by their own runner, so a long sweep never takes a slot from thumbnails.
export const maintenanceTasks: TaskList = {}

export const crontab = ''
