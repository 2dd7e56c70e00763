import type { BatchSendRequest, SendRequest } from './client';

/**
 * The JSON bodies of sendSms and sendSms/batch, written as text in one pass and handed to the HTTP client as
 * bytes: a personalised batch is a thousand elements, and building them as objects for axios to stringify (and,
 * for a string body, to parse again to check it) cost more CPU than the rest of its request.
 * Numbers and orderIds are comma-joined, as the gateway wants (sendSms-api.md); every string goes through
 * JSON.stringify, so a text's quotes, backslashes and control characters are escaped exactly as JSON requires.
 */
export function sendSmsBody(appId: string, defaultSenderId: string | undefined, req: SendRequest): Buffer {
  return Buffer.from(`{"appId":${JSON.stringify(appId)},${elementFields(req, defaultSenderId)}}`);
}

export function sendSmsBatchBody(appId: string, defaultSenderId: string | undefined, req: BatchSendRequest): Buffer {
  let body = `{"appId":${JSON.stringify(appId)},"array":[`;
  for (let i = 0; i < req.elements.length; i++) body += `${i > 0 ? ',' : ''}{${elementFields(req.elements[i], defaultSenderId)}}`;
  return Buffer.from(`${body}]}`);
}

function elementFields(req: SendRequest, defaultSenderId: string | undefined): string {
  return `"numbers":${JSON.stringify(req.numbers.join(','))},"content":${JSON.stringify(req.content)},"senderId":${JSON.stringify(req.senderId ?? defaultSenderId ?? '')},"orderId":${JSON.stringify(req.orderIds.join(','))}`;
}
