import { z } from 'zod';

/**
 * NCCO (Call Control Object) actions we accept from users, per docs/gateway-facts.md §6 and Vonage's
 * `vonage-ncco.schema.json`. Free-text strings (talk text, URLs, names) stay loose because
 * campaign templates carry `{{placeholder}}` text that is only filled per recipient; enums and
 * numbers stay strict so a bad NCCO is our user's 400, never a wasted gateway request.
 * Unknown keys are rejected (`strict`) so a typo ("bargein") is caught before a call is placed.
 */

/** Longest NCCO we accept: real call scripts are a handful of actions; this bounds template size. */
export const NCCO_MAX_ACTIONS = 50;

const text = z.string().min(1);
/** URL arrays hold exactly one URL (Vonage uses only the first); templates may hold placeholders. */
const urlList = z.array(text).length(1);
const method = z.enum(['GET', 'POST']);
const level = z.number().min(-1).max(1);
const digits = z.string().regex(/^(\d+|\{\{[^}]+\}\})$/, 'digits only, or a {{placeholder}}');

const phoneEndpoint = z.strictObject({
  type: z.literal('phone'),
  number: digits,
  dtmfAnswer: z
    .string()
    .regex(/^[0-9#*p]*$/)
    .optional(),
  onAnswer: z.strictObject({ url: text, ringbackTone: text.optional() }).optional(),
});
const appEndpoint = z.strictObject({ type: z.literal('app'), user: text });
const websocketEndpoint = z.strictObject({
  type: z.literal('websocket'),
  uri: text,
  'content-type': z.enum(['audio/l16;rate=8000', 'audio/l16;rate=16000']).optional(),
  headers: z.record(z.string(), z.unknown()).optional(),
});
const sipEndpoint = z.strictObject({
  type: z.literal('sip'),
  uri: text,
  headers: z.record(z.string(), z.unknown()).optional(),
});
const vbcEndpoint = z.strictObject({ type: z.literal('vbc'), extension: text });

const nccoEndpointSchema = z.discriminatedUnion('type', [
  phoneEndpoint,
  appEndpoint,
  websocketEndpoint,
  sipEndpoint,
  vbcEndpoint,
]);

const talkActionSchema = z.strictObject({
  action: z.literal('talk'),
  /** ≤1500 characters excluding SSML; placeholders expand later, so the cap is a sanity bound here. */
  text: text.max(3000),
  bargeIn: z.boolean().optional(),
  loop: z.number().int().min(0).optional(),
  level: level.optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,4}){0,2}$/, 'a BCP-47 language code such as nl-NL')
    .optional(),
  style: z.number().int().min(0).optional(),
  premium: z.boolean().optional(),
  /** Deprecated by Vonage but still accepted by its schema. */
  voiceName: text.optional(),
});

const streamActionSchema = z.strictObject({
  action: z.literal('stream'),
  streamUrl: urlList,
  level: level.optional(),
  bargeIn: z.boolean().optional(),
  loop: z.number().int().min(0).optional(),
});

const dtmfSettings = z.strictObject({
  timeOut: z.number().min(0).max(10).optional(),
  maxDigits: z.number().int().min(1).max(20).optional(),
  submitOnHash: z.boolean().optional(),
});
const speechSettings = z.strictObject({
  uuid: z.array(text).optional(),
  endOnSilence: z.number().min(0.4).max(10).optional(),
  language: text.optional(),
  context: z.array(z.string()).optional(),
  startTimeout: z.number().min(1).max(60).optional(),
  maxDuration: z.number().min(1).max(60).optional(),
  saveAudio: z.boolean().optional(),
  sensitivity: z.number().min(0).max(100).optional(),
});

const inputActionSchema = z.strictObject({
  action: z.literal('input'),
  type: z
    .array(z.enum(['dtmf', 'speech']))
    .min(1)
    .max(2)
    .optional(),
  dtmf: dtmfSettings.optional(),
  speech: speechSettings.optional(),
  /** Legacy top-level DTMF settings, still in Vonage's schema. */
  timeOut: z.number().min(0).max(10).optional(),
  maxDigits: z.number().int().min(0).max(20).optional(),
  submitOnHash: z.boolean().optional(),
  eventUrl: urlList.optional(),
  eventMethod: method.optional(),
});

const recordActionSchema = z.strictObject({
  action: z.literal('record'),
  format: z.enum(['mp3', 'wav', 'ogg']).optional(),
  split: z.literal('conversation').optional(),
  channels: z.number().int().min(1).max(32).optional(),
  endOnSilence: z.number().int().min(3).max(10).optional(),
  endOnKey: z
    .string()
    .regex(/^[0-9#*]$/)
    .optional(),
  timeOut: z.number().int().min(3).max(7200).optional(),
  beepStart: z.boolean().optional(),
  eventUrl: urlList.optional(),
  eventMethod: method.optional(),
  transcription: z.record(z.string(), z.unknown()).optional(),
});

const conversationActionSchema = z.strictObject({
  action: z.literal('conversation'),
  name: text,
  /** Vonage's schema has a string, its NCCO reference a one-URL array: accept both. */
  musicOnHoldUrl: z.union([text, urlList]).optional(),
  startOnEnter: z.boolean().optional(),
  endOnExit: z.boolean().optional(),
  record: z.boolean().optional(),
  canSpeak: z.array(text).optional(),
  canHear: z.array(text).optional(),
  mute: z.boolean().optional(),
  eventUrl: urlList.optional(),
  eventMethod: method.optional(),
});

const connectActionSchema = z.strictObject({
  action: z.literal('connect'),
  endpoint: z.array(nccoEndpointSchema).length(1),
  from: digits.optional(),
  randomFromNumber: z.boolean().optional(),
  eventType: z.literal('synchronous').optional(),
  timeout: z.number().min(0).max(120).optional(),
  limit: z.number().int().min(0).max(7200).optional(),
  machineDetection: z.enum(['continue', 'hangup']).optional(),
  advancedMachineDetection: z
    .strictObject({
      behavior: z.enum(['continue', 'hangup']),
      mode: z.enum(['default', 'detect', 'detect_beep']).optional(),
      beep_timeout: z.number().int().min(45).max(120).optional(),
    })
    .optional(),
  eventUrl: urlList.optional(),
  eventMethod: method.optional(),
  ringbackTone: text.optional(),
});

const notifyActionSchema = z.strictObject({
  action: z.literal('notify'),
  payload: z.record(z.string(), z.unknown()),
  eventUrl: urlList,
  eventMethod: method.optional(),
});

const nccoActionSchema = z.discriminatedUnion('action', [
  talkActionSchema,
  streamActionSchema,
  inputActionSchema,
  recordActionSchema,
  conversationActionSchema,
  connectActionSchema,
  notifyActionSchema,
]);

export const nccoSchema = z.array(nccoActionSchema).min(1).max(NCCO_MAX_ACTIONS);

export type NccoAction = z.infer<typeof nccoActionSchema>;
export type Ncco = z.infer<typeof nccoSchema>;
