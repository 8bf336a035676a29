/** Where scenes live in the event log: definitions in a reserved channel, updates in `scene.{scene}`, snapshots beside them. */

export const SCENE_DEFINITIONS_CHANNEL = 'playhead.scenes';

/** Scene names are channel-safe so `scene.{scene}` is a valid channel name. */
export const SCENE_NAME_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/** Every scene's updates are in a channel named with this prefix. */
export const SCENE_CHANNEL_PREFIX = 'scene.';

export function sceneChannel(scene: string): string {
  return `${SCENE_CHANNEL_PREFIX}${scene}`;
}

export function snapshotChannel(scene: string): string {
  return `playhead.scene-snapshots.${scene}`;
}
