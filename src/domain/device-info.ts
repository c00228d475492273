import { oneLine } from '../logging/one-line.js'
import { shownText } from './shown-text.js'

/**
 * `DeviceOS`, `PushId` and the `User-Agent` header are whatever the client sends, up to the body
 * and header limits (tens of thousands of characters). Real ones are far shorter: an FCM token is
 * about 160 characters, an APNs token 64, an app's user agent under 200. Each is kept whole up to
 * this many characters, else as its first 64 characters and its length, as over-long names are.
 */
export const maxDeviceInfoLength = 256

/** As the `provisioned` line carries it (policy `log-device-info`); the logger escapes controls. */
export const loggedDeviceInfo = (text: string | undefined): string | undefined =>
  text === undefined ? undefined : shownText(text, maxDeviceInfoLength)

/**
 * As stored with the device and shown on the console, in AdminXML and by `user show`: bounded as
 * logged, and on one line with controls as `\uXXXX`, as audit rows are.
 */
export const storedDeviceInfo = (text: string | undefined): string | null =>
  text === undefined ? null : oneLine(shownText(text, maxDeviceInfoLength))
