import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { type Actor, SignatureService, UserService } from '#domain';
import { CurrentActor, Roles } from '../http/auth';
import { ZodPipe } from '../http/zod-pipe';
import { createUserSchema, openApi, signingPasswordSchema } from '../http/schemas';

@ApiTags('users')
@ApiBearerAuth()
@Controller('users')
export class UsersController {
  constructor(
    private readonly users: UserService,
    private readonly signatures: SignatureService,
  ) {}

  /** Sets the caller's signing password: re-entered for each electronic signature, stored only as a scrypt hash. */
  @Post('me/signing-password')
  @HttpCode(204)
  @ApiBody({ schema: openApi(signingPasswordSchema) })
  async setSigningPassword(@Body(new ZodPipe(signingPasswordSchema)) body: z.infer<typeof signingPasswordSchema>, @CurrentActor() actor: Actor) {
    await this.signatures.setSigningPassword(actor, body.password);
  }

  /** Creates a user; the token is in this answer only. */
  @Post()
  @Roles('admin')
  @ApiBody({ schema: openApi(createUserSchema) })
  async create(@Body(new ZodPipe(createUserSchema)) body: z.infer<typeof createUserSchema>) {
    const { user, token } = await this.users.create(body);
    return { ...user, token };
  }

  @Get()
  @Roles('admin')
  list() {
    return this.users.list();
  }

  /** Revokes a user and its token at once. */
  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  async revoke(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    await this.users.revoke(id);
  }
}
