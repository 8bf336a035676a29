/**
 * Creates the store's one table when it is missing (on-demand billing;
 * partition key `pk` string, sort key `sk` binary) and waits until it is
 * ACTIVE. Several nodes starting at once are fine: CreateTable is refused
 * for all but one, and all wait.
 */
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Clock } from '../../core/clock.js';
import { sleep } from './dynamodb-batch.js';

const POLL_MS = 100;
const MAX_WAIT_MS = 60_000;

export async function ensureTable(client: DynamoDBClient, table: string, clock: Clock): Promise<void> {
  if (await status(client, table) === undefined) {
    try {
      await client.send(new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }, { AttributeName: 'sk', AttributeType: 'B' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
      }));
    } catch (error) {
      // Another node created it first: wait for it like our own.
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
  }
  for (let waited = 0; waited < MAX_WAIT_MS; waited += POLL_MS) {
    if (await status(client, table) === 'ACTIVE') return;
    await sleep(clock, POLL_MS);
  }
  throw new Error(`DynamoDB table ${table} did not become ACTIVE within ${MAX_WAIT_MS / 1000} s`);
}

async function status(client: DynamoDBClient, table: string): Promise<string | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}
